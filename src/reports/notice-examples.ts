/**
 * A made-up notice: example sender, platform and matches on `*.example` hosts. For previews of
 * the notice format (the /notices page, documentation) and for tests; never for sending.
 */
import { buildNotice } from './notice-builder.js';
import type { NoticeCandidate, NoticeRecord, NoticeSettings, Platform } from './types.js';

/** Example settings: a fictional NGO, 7-day default deadline, 48 h statutory deadline in the US. */
export function exampleSettings(overrides: Partial<NoticeSettings> = {}): NoticeSettings {
  return {
    sender: {
      organisation: 'Helpline Example e.V.',
      address: 'Example Street 1\n10115 Example City\nGermany',
      email: 'notices@helpline.example',
      website: 'https://helpline.example',
      signatory: { name: 'Alex Example', title: 'Head of Content Removal' },
      trustedFlagger: false,
    },
    dmca: false,
    deadlines: { defaultHours: 168, statutoryHours: 48, statutoryJurisdictions: ['US'] },
    publicUrl: 'https://hashwatch.helpline.example',
    ...overrides,
  };
}

/** An example platform in the given jurisdictions. */
export function examplePlatform(overrides: Partial<Platform> = {}): Platform {
  return {
    id: 1,
    name: 'Tube Example',
    hostPatterns: ['tube.example', '*.cdn.tube.example'],
    abuseEmail: 'abuse@tube.example',
    webformUrl: 'https://tube.example/report',
    trustedFlaggerChannel: null,
    jurisdictions: ['EU', 'US'],
    language: 'en',
    preferredFormat: 'email',
    escalation: { name: 'Hosting Example Ltd', email: 'abuse@hosting.example' },
    ...overrides,
  };
}

/** An example confirmed match on `url`. */
export function exampleCandidate(overrides: Partial<NoticeCandidate> = {}): NoticeCandidate {
  return {
    matchId: 11,
    caseRef: 'HW-7Q2K-9M4X',
    mediaId: 101,
    url: 'https://media.cdn.tube.example/v/abc123/poster.jpg',
    host: 'media.cdn.tube.example',
    kind: 'image',
    firstSeenAt: new Date('2026-10-01T08:15:00Z'),
    lastVerifiedAt: new Date('2026-10-28T09:30:00Z'),
    signal: 'pdq',
    distance: 6,
    md5: 'd41d8cd98f00b204e9800998ecf8427e',
    sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    pdq: 'f'.repeat(64),
    ...overrides,
  };
}

/** An example notice record built the way the batch builds one. */
export function exampleNotice(
  options: {
    level?: number;
    now?: Date;
    platform?: Partial<Platform>;
    settings?: Partial<NoticeSettings>;
    candidates?: NoticeCandidate[];
  } = {},
): NoticeRecord {
  return buildNotice({
    reference: 'HWN-2026-000123',
    level: options.level ?? 1,
    platform: examplePlatform(options.platform),
    candidates: options.candidates ?? [
      exampleCandidate(),
      exampleCandidate({
        matchId: 12,
        mediaId: 102,
        url: 'https://tube.example/watch/xyz789.mp4',
        host: 'tube.example',
        kind: 'video',
        signal: 'md5',
        distance: 0,
        pdq: null,
      }),
    ],
    settings: exampleSettings(options.settings),
    now: options.now ?? new Date('2026-11-02T06:00:00Z'),
  });
}
