#include "sightline/core/bloom.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace sightline {
namespace {

constexpr std::size_t kBlockWords = 8;  // 512 bits: one cache line holds a string's bits.

std::uint64_t Mix(std::uint64_t x) {  // splitmix64's finaliser.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

BloomFilter::BloomFilter(std::size_t bits, int hashes)
    : words_(std::bit_ceil(std::max<std::size_t>(bits, 512)) / 64),
      mask_(std::bit_ceil(std::max<std::size_t>(bits, 512)) - 1),
      hashes_(std::clamp(hashes, 1, 7)) {}

// Eight bytes at a time, then mixed: ids are short, and this runs twice per replayed event.
std::uint64_t BloomFilter::Hash(std::string_view s) {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, s.data() + i, 8);
    h = (h ^ word) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  return Mix(h ^ tail);
}

// A blocked filter: the hash picks a 512-bit block, its mix gives up to seven 9-bit positions in
// it, so a lookup touches one cache line instead of seven.
void BloomFilter::AddHash(std::uint64_t h1) {
  std::uint64_t h2 = Mix(h1);
  std::uint64_t* block = &words_[(h1 & (mask_ >> 9)) * kBlockWords];
  for (int i = 0; i < hashes_; ++i, h2 >>= 9) block[(h2 & 511) >> 6] |= 1ULL << (h2 & 63);
}

bool BloomFilter::MayContainHash(std::uint64_t h1) const {
  std::uint64_t h2 = Mix(h1);
  const std::uint64_t* block = &words_[(h1 & (mask_ >> 9)) * kBlockWords];
  for (int i = 0; i < hashes_; ++i, h2 >>= 9) {
    if ((block[(h2 & 511) >> 6] & (1ULL << (h2 & 63))) == 0) return false;
  }
  return true;
}

}  // namespace sightline
