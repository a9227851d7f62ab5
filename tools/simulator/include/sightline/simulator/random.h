// A small seeded random generator with its own distributions, so that the same seed gives the
// same simulated traffic on every compiler and standard library (std:: distributions do not
// promise that). Not thread-safe; not for anything secret.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>

namespace sightline::domain {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next();                                    // splitmix64
  std::uint64_t Below(std::uint64_t n);                    // uniform in [0, n), n > 0
  std::int64_t Between(std::int64_t lo, std::int64_t hi);  // uniform in [lo, hi]
  double Unit();                                           // uniform in [0, 1)
  bool Chance(double p) { return Unit() < p; }
  // Index chosen with the given relative weights (at least one positive).
  std::size_t Weighted(std::span<const double> weights);
  std::size_t Weighted(std::initializer_list<double> weights) {
    return Weighted(std::span<const double>(weights.begin(), weights.size()));
  }

 private:
  std::uint64_t state_;
};

}  // namespace sightline::domain
