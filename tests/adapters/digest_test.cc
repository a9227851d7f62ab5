// SHA-256 (OpenSSL): the one-shot and incremental digests give FIPS 180-4's answers, alike, and
// each thread's reused context starts every digest afresh (no state carried from the last one).
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "sightline/crypto/digest.h"

namespace sightline::crypto {
namespace {

constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
// "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" (two blocks).
constexpr const char* kTwoBlocks =
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";

TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(Sha256Hex(""), kEmpty);
  EXPECT_EQ(Sha256Hex("abc"), kAbc);
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), kTwoBlocks);
  // Again, after other digests on this thread: nothing carried over.
  EXPECT_EQ(Sha256Hex("abc"), kAbc);
  EXPECT_EQ(Sha256Hex(""), kEmpty);
}

TEST(Sha256, IncrementalEqualsOneShot) {
  Sha256 h;
  h.Update("abcdbcdecdefdefg");
  h.Update("");
  h.Update("efghfghighijhijkijkljklmklmnlmnomnopnopq");
  EXPECT_EQ(h.HexDigest(), kTwoBlocks);
  std::string big(1 << 20, 'x');
  Sha256 whole;
  whole.Update(big);
  EXPECT_EQ(whole.HexDigest(), Sha256Hex(big));
}

TEST(Sha256, ThreadsDigestAtOnceAndAgree) {
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i)
        if (Sha256Hex(i % 2 ? "abc" : "") != (i % 2 ? kAbc : kEmpty)) ++wrong[t];
    });
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

TEST(Hex, LowerCaseTwoDigitsPerByte) {
  EXPECT_EQ(Hex(std::string("\x00\x0f\xa0\xff", 4)), "000fa0ff");
}

}  // namespace
}  // namespace sightline::crypto
