export {
  checkPlatformForm,
  type FormProblem,
  type PlatformFormResult,
  type PlatformFormValues,
  readForm,
} from './platform-form.js';
export { type PlatformsPageOptions, platformsPage } from './platforms.page.js';
export { SEED_ACTOR, seedPlatformDirectory } from './seed-directory.js';
