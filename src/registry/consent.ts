/** The consent statement a person accepts when registering. Changing the text means a new version. */
export const CONSENT_VERSION = '2026-11';

/** Plain-language consent text, shown on /register and printed by `hashwatch register`. */
export const CONSENT_TEXT = [
  'I am the person shown in these files, or I am authorised to act for them, or I am the parent or guardian of a minor shown in them.',
  'I am 18 or over, unless I am reporting as a parent or guardian.',
  'Only fingerprints (hashes) of the files are sent. The files themselves never leave this device.',
  'The fingerprints are used only to find copies of these files online and to ask the sites that host them to remove them.',
  'Nothing is sent to any site until a trained analyst has confirmed that what was found is the same content.',
  'I can withdraw at any time with my case reference and PIN. Withdrawing deletes the fingerprints and stops pending requests.',
] as const;
