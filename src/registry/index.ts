export { activeHashesOfCase, REGISTRY_CHANNEL } from './case.store.js';
export {
  CaseService,
  type CaseStatus,
  DEFAULT_PIN_POLICY,
  type PinPolicy,
  type Registration,
  type WithdrawalSteps,
} from './case-service.js';
export { CONSENT_TEXT, CONSENT_VERSION } from './consent.js';
export {
  DEFAULT_MATCH_POLICY,
  type ItemMatch,
  type MatchPolicy,
  type MatchSignal,
  type MediaHashes,
} from './match-types.js';
export { Matcher } from './matcher.js';
export { RegistrySync, type RegistrySyncOptions } from './registry-sync.js';
export { generateToken, hashSecret, hashToken, normaliseCaseRef, verifySecret } from './secrets.js';
export type { CaseSource, Consent, FrameHash, ItemHashes, RegistryHashRow, VariantHash } from './types.js';
