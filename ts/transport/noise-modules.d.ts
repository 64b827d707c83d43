// Minimal typings for the CommonJS Noise libraries we use (they ship none).
declare module 'noise-handshake' {
  export interface NoiseKeyPair { publicKey: Buffer; secretKey: Buffer }
  export interface NoiseCurve {
    DHLEN: number; PKLEN: number; SKLEN: number; ALG: string;
    generateKeyPair(privKey?: Buffer): NoiseKeyPair;
    dh(publicKey: Buffer, keyPair: NoiseKeyPair): Buffer;
  }
  export default class NoiseState {
    constructor(pattern: 'XX' | 'IK' | 'XK' | 'NN', initiator: boolean, staticKeypair?: NoiseKeyPair | null, opts?: { curve?: NoiseCurve });
    readonly s: NoiseKeyPair;
    readonly protocol: Buffer;
    complete: boolean;
    /** Key for sending after the handshake. */
    tx: Buffer | null;
    /** Key for receiving after the handshake. */
    rx: Buffer | null;
    /** Remote static public key, once revealed. */
    rs: Buffer | null;
    hash: Buffer | null;
    initialise(prologue: Buffer, remoteStatic?: Buffer): void;
    send(payload?: Buffer): Buffer;
    recv(message: Buffer): Buffer;
  }
}

declare module 'noise-handshake/cipher.js' {
  export default class CipherState {
    constructor(key?: Buffer);
    nonce: number;
    encrypt(plaintext: Buffer, ad?: Buffer): Buffer;
    decrypt(ciphertext: Buffer, ad?: Buffer): Buffer;
    readonly hasKey: boolean;
    _clear(): void;
  }
}

declare module 'noise-curve-ed' {
  import type { NoiseCurve } from 'noise-handshake';
  const curve: NoiseCurve;
  export default curve;
}
