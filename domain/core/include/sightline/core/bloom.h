// A fixed-size Bloom filter over strings: "certainly never added" or "perhaps added". Its memory
// is set when it is made, however many strings are added; past its design size it answers
// "perhaps" more often, never "never" wrongly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sightline {

class BloomFilter {
 public:
  // `bits` is rounded up to a power of two (at least 512); `hashes` (1 to 7) bits per string.
  explicit BloomFilter(std::size_t bits, int hashes = 7);

  void Add(std::string_view s) { AddHash(Hash(s)); }
  bool MayContain(std::string_view s) const { return MayContainHash(Hash(s)); }
  // The same with the string's Hash, for a caller that asks and then adds.
  static std::uint64_t Hash(std::string_view s);
  void AddHash(std::uint64_t h);
  bool MayContainHash(std::uint64_t h) const;
  std::size_t bytes() const { return words_.size() * sizeof(std::uint64_t); }

 private:
  std::vector<std::uint64_t> words_;
  std::uint64_t mask_;  // bits - 1
  int hashes_;
};

}  // namespace sightline
