export { REGISTRY_CHANNEL } from './case.store.js';
export {
  CaseService,
  type CaseStatus,
  DEFAULT_PIN_POLICY,
  type PinPolicy,
  type Registration,
} from './case-service.js';
export { generateToken, hashSecret, hashToken, normaliseCaseRef, verifySecret } from './secrets.js';
export type { CaseSource, Consent, FrameHash, ItemHashes, RegistryHashRow, VariantHash } from './types.js';
