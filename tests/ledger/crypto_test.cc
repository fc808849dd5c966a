// Known-answer and round-trip tests for ledger/crypto.h and ledger/bytes.h.
#include "ledger/crypto.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "ledger/bytes.h"

namespace ledger {
namespace {

std::string Unhex(std::string_view hex) {
  auto raw = FromHex(hex);
  EXPECT_TRUE(raw.ok()) << hex;
  return raw.ok() ? *raw : std::string();
}

TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(ToHex(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ToHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // FIPS 180-2 two-block message.
  EXPECT_EQ(ToHex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, IncrementalMatchesOneShotAndResets) {
  Sha256Hasher h;
  EXPECT_EQ(h.Finish(), Sha256(""));
  h.Update("a");
  h.Update(static_cast<uint8_t>('b'));
  h.Update(AsBytes("c"));
  EXPECT_EQ(h.Finish(), Sha256("abc"));
  // Reusable after Finish().
  h.Update("abc");
  EXPECT_EQ(h.Finish(), Sha256("abc"));
}

TEST(HmacSha256, Rfc4231TestCase2) {
  EXPECT_EQ(ToHex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256, Rfc4231TestCase1) {
  EXPECT_EQ(ToHex(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(HmacSha256, EmptyKeyAndMessage) {
  const std::string want = "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad";
  EXPECT_EQ(ToHex(HmacSha256("", "")), want);
  EXPECT_EQ(ToHex(HmacSha256(std::string_view(), std::string_view())), want);
}

struct Rfc8032Vector {
  const char* seed;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032 §7.1, TEST 1 and TEST 2.
const Rfc8032Vector kRfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
     "d25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c"
     "387b2eaeb4302aeeb00d291612bb0c00"},
};

TEST(Ed25519, Rfc8032Vectors) {
  for (const auto& v : kRfc8032) {
    SCOPED_TRACE(v.seed);
    auto k = PrivateKey::FromSeed(Unhex(v.seed));
    ASSERT_TRUE(k.ok()) << k.status().ToString();
    EXPECT_EQ(ToHex(k->PublicKeyBytes()), v.public_key);
    EXPECT_EQ(ToHex(k->Seed()), v.seed);
    const std::string msg = Unhex(v.message);
    const std::string sig = k->Sign(msg);
    EXPECT_EQ(ToHex(sig), v.signature);
    EXPECT_TRUE(Ed25519Verify(Unhex(v.public_key), msg, Unhex(v.signature)));
  }
}

TEST(Ed25519, VerifyRejectsFlippedBits) {
  auto k = PrivateKey::FromSeed(Unhex(kRfc8032[1].seed));
  ASSERT_TRUE(k.ok());
  const std::string msg = "checkpoint body\n";
  const std::string sig = k->Sign(msg);
  const std::string& pk = k->PublicKeyBytes();
  ASSERT_TRUE(Ed25519Verify(pk, msg, sig));

  for (size_t bit : {0u, 7u, 255u, 256u, 511u}) {
    std::string bad = sig;
    bad[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    EXPECT_FALSE(Ed25519Verify(pk, msg, bad)) << "signature bit " << bit;
  }
  for (size_t i = 0; i < msg.size(); ++i) {
    std::string bad = msg;
    bad[i] ^= 0x01;
    EXPECT_FALSE(Ed25519Verify(pk, bad, sig)) << "message byte " << i;
  }
  std::string bad_pk = pk;
  bad_pk[0] ^= 0x01;
  EXPECT_FALSE(Ed25519Verify(bad_pk, msg, sig));
  EXPECT_FALSE(Ed25519Verify(pk, msg + "x", sig));
  // Wrong lengths never verify.
  EXPECT_FALSE(Ed25519Verify(pk.substr(1), msg, sig));
  EXPECT_FALSE(Ed25519Verify(pk, msg, sig.substr(1)));
  EXPECT_FALSE(Ed25519Verify(pk, msg, sig + "x"));
  EXPECT_FALSE(Ed25519Verify("", msg, ""));
}

TEST(Ed25519, GenerateGivesDistinctWorkingKeys) {
  auto a = PrivateKey::Generate();
  auto b = PrivateKey::Generate();
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->Seed().size(), 32u);
  EXPECT_EQ(a->PublicKeyBytes().size(), kEd25519PublicKeySize);
  EXPECT_NE(a->PublicKeyBytes(), b->PublicKeyBytes());
  const std::string sig = a->Sign("m");
  EXPECT_EQ(sig.size(), kEd25519SignatureSize);
  EXPECT_TRUE(Ed25519Verify(a->PublicKeyBytes(), "m", sig));
  EXPECT_FALSE(Ed25519Verify(b->PublicKeyBytes(), "m", sig));
}

TEST(Ed25519, FromSeedRejectsWrongSize) {
  EXPECT_FALSE(PrivateKey::FromSeed("").ok());
  EXPECT_FALSE(PrivateKey::FromSeed(std::string(31, 'a')).ok());
  EXPECT_FALSE(PrivateKey::FromSeed(std::string(33, 'a')).ok());
}

TEST(Ed25519, MovedKeyStillSigns) {
  auto k = PrivateKey::FromSeed(Unhex(kRfc8032[0].seed));
  ASSERT_TRUE(k.ok());
  PrivateKey moved = std::move(k).value();
  EXPECT_EQ(ToHex(moved.Sign("")), kRfc8032[0].signature);
}

TEST(Pem, PrivateAndPublicRoundTrip) {
  auto k = PrivateKey::FromSeed(Unhex(kRfc8032[0].seed));
  ASSERT_TRUE(k.ok());
  const std::string pem = k->ToPem();
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u) << pem;
  auto back = PrivateKey::FromPem(pem);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->Seed(), k->Seed());
  EXPECT_EQ(back->PublicKeyBytes(), k->PublicKeyBytes());

  const std::string pub_pem = k->PublicKeyPem();
  EXPECT_EQ(pub_pem.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u) << pub_pem;
  auto pk = PublicKeyFromPem(pub_pem);
  ASSERT_TRUE(pk.ok()) << pk.status().ToString();
  EXPECT_EQ(*pk, k->PublicKeyBytes());
  // A private key PEM also yields its public key.
  auto pk2 = PublicKeyFromPem(pem);
  ASSERT_TRUE(pk2.ok()) << pk2.status().ToString();
  EXPECT_EQ(*pk2, k->PublicKeyBytes());
}

TEST(Pem, KnownEncoding) {
  // RFC 8410 §10.3 example private key; its public key is given in §10.1.
  const std::string pem =
      "-----BEGIN PRIVATE KEY-----\n"
      "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
      "-----END PRIVATE KEY-----\n";
  auto k = PrivateKey::FromPem(pem);
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(ToHex(k->Seed()),
            "d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842");
  EXPECT_EQ(k->ToPem(), pem);
  auto pk = PublicKeyFromPem(
      "-----BEGIN PUBLIC KEY-----\n"
      "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
      "-----END PUBLIC KEY-----\n");
  ASSERT_TRUE(pk.ok()) << pk.status().ToString();
  EXPECT_EQ(*pk, k->PublicKeyBytes());
}

TEST(Pem, RejectsGarbage) {
  EXPECT_FALSE(PrivateKey::FromPem("").ok());
  EXPECT_FALSE(PrivateKey::FromPem("not a pem").ok());
  EXPECT_FALSE(PublicKeyFromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").ok());
  auto k = PrivateKey::FromSeed(std::string(32, 'k'));
  ASSERT_TRUE(k.ok());
  // A public key PEM is not a private key.
  EXPECT_FALSE(PrivateKey::FromPem(k->PublicKeyPem()).ok());
}

TEST(Pem, EncryptedKeyIsRejectedWithoutPrompting) {
  // `openssl genpkey -algorithm ed25519 -aes-128-cbc -pass pass:secret`.
  // Loading must fail cleanly, never ask for a passphrase on the terminal.
  const std::string pem =
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
      "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAincsoBHogFLAICCAAw\n"
      "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEEFnoz9YPtKnDhZCLyOlzS60EQBsA\n"
      "i5ZuPZ/Xihu9mL6/XhnDh2FxJzQ5Qv9/75C4ymV3YlKSnAWGsmF0PiDYZQIFLsPU\n"
      "XmqU5Ln8vUY58gHFUbM=\n"
      "-----END ENCRYPTED PRIVATE KEY-----\n";
  auto k = PrivateKey::FromPem(pem);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(PublicKeyFromPem(pem).ok());
}

TEST(Pem, FileRoundTripIsPrivate) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("ledger_crypto_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "key.pem").string();
  auto k = PrivateKey::Generate();
  ASSERT_TRUE(k.ok());
  ASSERT_TRUE(k->SavePemFile(path).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = PrivateKey::LoadPemFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->Seed(), k->Seed());
  auto pk = LoadPublicKeyFile(path);
  ASSERT_TRUE(pk.ok());
  EXPECT_EQ(*pk, k->PublicKeyBytes());
  EXPECT_EQ(PrivateKey::LoadPemFile((dir / "missing.pem").string()).status().code(),
            StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

TEST(Hex, RoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  const std::string hex = ToHex(all);
  EXPECT_EQ(hex.size(), 512u);
  EXPECT_EQ(hex.substr(0, 8), "00010203");
  EXPECT_EQ(hex.substr(504), "fcfdfeff");
  auto back = FromHex(hex);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, all);
  EXPECT_EQ(ToHex(std::string()), "");
  auto empty = FromHex("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto upper = FromHex("ABCDEF");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(ToHex(*upper), "abcdef");
}

TEST(Hex, RejectsBadInput) {
  for (const char* bad : {"0", "abc", "0g", "g0", "zz", " 00", "00 ", "0x00", "-1"}) {
    auto r = FromHex(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(Hex, HashFromHexAndBytes) {
  const Hash h = Sha256("abc");
  auto back = HashFromHex(ToHex(h));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, h);
  EXPECT_FALSE(HashFromHex(ToHex(h).substr(2)).ok());
  EXPECT_FALSE(HashFromHex(ToHex(h) + "00").ok());
  EXPECT_FALSE(HashFromBytes(AsBytes(std::string(31, 'a'))).ok());
  EXPECT_TRUE(HashFromBytes(AsBytes(std::string(32, 'a'))).ok());
}

TEST(Base64, Rfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},     {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [raw, b64] : vectors) {
    EXPECT_EQ(ToBase64(raw), b64);
    auto back = FromBase64(b64);
    ASSERT_TRUE(back.ok()) << b64 << ": " << back.status().ToString();
    EXPECT_EQ(*back, raw);
  }
  EXPECT_EQ(ToBase64(std::string("\xfb\xff", 2)), "+/8=");
}

TEST(Base64, RoundTripAllLengths) {
  std::string data;
  for (int n = 0; n < 200; ++n) {
    auto back = FromBase64(ToBase64(data));
    ASSERT_TRUE(back.ok()) << n;
    EXPECT_EQ(*back, data) << n;
    data.push_back(static_cast<char>((n * 151 + 7) & 0xff));
  }
  // Zero bytes survive (padding is not confused with decoded zeros).
  for (size_t n = 1; n <= 6; ++n) {
    const std::string zeros(n, '\0');
    auto back = FromBase64(ToBase64(zeros));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, zeros) << n;
  }
}

TEST(Base64, RejectsBadInput) {
  for (const char* bad : {
           "Zg",         // missing padding
           "Zg=",        // short padding
           "Zm9",        // length not a multiple of 4
           "Zm9v!A==",   // bad character
           "Zm9v-_==",   // URL alphabet
           "Zm9v\nYg==", // whitespace
           "Zm9v Yg=",   // whitespace
           " Zm9v",      // leading whitespace
           "Zm9v\t",     // trailing whitespace
           "Z===",       // too much padding
           "====",       // only padding
           "=Zg=",       // misplaced padding
           "Z=g=",       // misplaced padding
           "Zg==Zg==",   // padding in the middle
           "Zh==",       // non-canonical: stray bits in the last symbol
           "Zm9=",       // non-canonical
       }) {
    auto r = FromBase64(bad);
    ASSERT_FALSE(r.ok()) << '"' << bad << '"';
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(FromBase64("Zm8/").ok());
  // An embedded NUL is not base64 either.
  EXPECT_FALSE(FromBase64(std::string("Zg=\0", 4)).ok());
  EXPECT_FALSE(FromBase64(std::string("Z\0g=", 4)).ok());
}

TEST(BigEndian, RoundTripAndOrder) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{255}, uint64_t{256},
                     uint64_t{0x0102030405060708}, UINT64_MAX}) {
    const std::string b = BigEndian64(v);
    ASSERT_EQ(b.size(), 8u);
    EXPECT_EQ(ReadBigEndian64(b), v);
  }
  EXPECT_EQ(ToHex(BigEndian64(0x0102030405060708)), "0102030405060708");
  EXPECT_LT(BigEndian64(255), BigEndian64(256));
  std::string s = "x";
  AppendBigEndian64(&s, 1);
  EXPECT_EQ(s, std::string("x\0\0\0\0\0\0\0\1", 9));
}

}  // namespace
}  // namespace ledger
