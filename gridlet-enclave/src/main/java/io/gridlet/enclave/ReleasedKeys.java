package io.gridlet.enclave;

/**
 * Data keys released to one runtime: the broker's ephemeral ECDH public key (P-256, X.509 encoding), and the key
 * material (key id and 32 bytes per key) sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the ECDH
 * secret between that ephemeral key and the runtime's key from its attestation.
 */
public record ReleasedKeys(byte[] brokerKey, byte[] nonce, byte[] sealedKeys) {
}
