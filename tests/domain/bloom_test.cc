// The replay's Bloom filter (ADR 0015): never "certainly not" for a string it was given, and
// "perhaps" for others about as rarely as its size promises.
#include <gtest/gtest.h>

#include <string>

#include "sightline/core/bloom.h"

namespace sightline {
namespace {

std::string Id(int i) { return "evt-" + std::to_string(i * 7919) + "-contact_received"; }

TEST(BloomFilter, NeverDeniesAStringItWasGiven) {
  BloomFilter filter(std::size_t{1} << 16);  // Small: many strings share a block.
  for (int i = 0; i < 20000; ++i) filter.Add(Id(i));
  for (int i = 0; i < 20000; ++i) EXPECT_TRUE(filter.MayContain(Id(i))) << Id(i);
  EXPECT_TRUE(filter.MayContain(Id(0)));
}

TEST(BloomFilter, AnswersPerhapsRarelyWhenItHasRoom) {
  BloomFilter filter(std::size_t{1} << 20);  // About 52 bits per string added.
  for (int i = 0; i < 20000; ++i) filter.Add(Id(i));
  int perhaps = 0;
  for (int i = 20000; i < 120000; ++i) perhaps += filter.MayContain(Id(i)) ? 1 : 0;
  EXPECT_LT(perhaps, 100) << "of 100,000 strings never added";  // Under 0.1%.
  EXPECT_EQ(filter.bytes(), (std::size_t{1} << 20) / 8);
}

TEST(BloomFilter, IsEmptyAtFirstAndTheSameHashGivesTheSameAnswer) {
  BloomFilter filter(1000);  // Rounded up to 1,024 bits.
  EXPECT_EQ(filter.bytes(), 128u);
  EXPECT_FALSE(filter.MayContain("anything"));
  EXPECT_FALSE(filter.MayContain(""));
  filter.AddHash(BloomFilter::Hash("evt-1"));
  EXPECT_TRUE(filter.MayContain("evt-1"));
  EXPECT_EQ(BloomFilter::Hash("evt-1"), BloomFilter::Hash(std::string("evt-1")));
  EXPECT_NE(BloomFilter::Hash("evt-1"), BloomFilter::Hash("evt-2"));
}

}  // namespace
}  // namespace sightline
