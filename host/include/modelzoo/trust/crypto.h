// The cryptography trust needs, on OpenSSL 3: SHA-256 of files and bytes,
// Ed25519 keys, signatures, and base64 for storing them in JSON.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "modelzoo/sdk/export.h"

namespace modelzoo::trust {

using PublicKey = std::array<uint8_t, 32>;

struct KeyPair {
  std::string private_pem;  ///< PKCS#8 PEM; keep it secret (written 0600)
  PublicKey public_key;
};

MODELZOO_API KeyPair generate_key_pair();

/// The public key of a PKCS#8 PEM private key. Throws modelzoo::Error.
MODELZOO_API PublicKey public_key_of(const std::string& private_pem);

/// 64-byte Ed25519 signature of `message`.
MODELZOO_API std::string sign(const std::string& private_pem, std::string_view message);

MODELZOO_API bool verify_signature(const PublicKey& key, std::string_view message,
                                   std::string_view signature);

/// A key's id: the first 16 hex digits of the SHA-256 of its raw bytes.
MODELZOO_API std::string key_id(const PublicKey& key);

MODELZOO_API std::string sha256_hex(std::string_view data);

/// SHA-256 of everything readable from `fd` (from offset 0; the offset is
/// not moved), and its size. Throws modelzoo::Error on a read error.
MODELZOO_API std::string sha256_of_fd(int fd, uint64_t* size);

MODELZOO_API std::string base64_encode(std::string_view bytes);
/// Throws modelzoo::Error on malformed input.
MODELZOO_API std::string base64_decode(std::string_view text);

}  // namespace modelzoo::trust
