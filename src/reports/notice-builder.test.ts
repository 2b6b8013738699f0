import { describe, expect, it } from 'vitest';
import { hostCandidates, normalizeHostPattern } from './host-pattern.js';
import {
  buildNotice,
  formatNoticeRef,
  groupByPlatform,
  markSent,
  noticeDeadline,
  withoutMatches,
} from './notice-builder.js';
import { exampleCandidate, exampleNotice, examplePlatform, exampleSettings } from './notice-examples.js';
import type { Jurisdiction } from './types.js';

const codes = (jurisdictions: Jurisdiction[], dmca = false, now?: Date) =>
  exampleNotice({ platform: { jurisdictions }, settings: { dmca }, ...(now ? { now } : {}) }).legalBases.map(
    (b) => b.code,
  );

describe('legal bases by jurisdiction', () => {
  it('cites DSA Art. 16 for the EU, the TAKE IT DOWN Act for the US, the OSA for the UK, and the terms always', () => {
    expect(codes(['EU'])).toEqual(['DSA_ART16', 'TERMS']);
    expect(codes(['US'])).toEqual(['TAKE_IT_DOWN', 'TERMS']);
    expect(codes(['UK'])).toEqual(['UK_OSA', 'TERMS']);
    expect(codes(['EU', 'US', 'UK'])).toEqual(['DSA_ART16', 'TAKE_IT_DOWN', 'UK_OSA', 'TERMS']);
    expect(codes([])).toEqual(['TERMS']);
  });

  it('adds DMCA §512(c)(3) only when configured', () => {
    expect(codes(['US'], false)).not.toContain('DMCA_512C3');
    expect(codes(['US'], true)).toContain('DMCA_512C3');
    expect(codes(['EU'], true)).toContain('DMCA_512C3');
  });

  it('does not cite the TAKE IT DOWN Act before platforms are bound by it (19 May 2026)', () => {
    expect(codes(['US'], false, new Date('2026-05-18T12:00:00Z'))).toEqual(['TERMS']);
  });

  it('asks for priority handling only when the sender is a trusted flagger', () => {
    const plain = exampleNotice({ platform: { jurisdictions: ['EU'] } });
    const flagger = exampleNotice({
      platform: { jurisdictions: ['EU'] },
      settings: { sender: { ...exampleSettings().sender, trustedFlagger: true } },
    });
    expect(plain.legalBases[0]?.text).not.toMatch(/Article 22/);
    expect(flagger.legalBases[0]?.text).toMatch(/trusted flagger under Article 22/);
  });
});

describe('deadline', () => {
  const deadlines = exampleSettings().deadlines;
  const now = new Date('2026-11-02T06:00:00Z');

  it('is 48 hours where US law sets it, else the configured default', () => {
    expect(noticeDeadline(['US'], deadlines, now)).toEqual({ hours: 48, statutory: true });
    expect(noticeDeadline(['EU', 'US'], deadlines, now)).toEqual({ hours: 48, statutory: true });
    expect(noticeDeadline(['EU'], deadlines, now)).toEqual({ hours: 168, statutory: false });
    expect(noticeDeadline(['UK'], { ...deadlines, statutoryJurisdictions: ['US', 'UK'] }, now).hours).toBe(
      48,
    );
  });

  it('runs from sending: markSent fixes the date', () => {
    const record = exampleNotice({ platform: { jurisdictions: ['US'] } });
    expect(record.deadline.at).toBeNull();
    expect(record.requestedActions[0]).toMatch(/within 48 hours.*set by law/);
    const sent = markSent(record, new Date('2026-11-03T10:00:00Z'));
    expect(sent.sentAt).toBe('2026-11-03T10:00:00.000Z');
    expect(sent.deadline.at).toBe('2026-11-05T10:00:00.000Z');
  });
});

describe('buildNotice', () => {
  it('holds the sender, signature, statements, evidence and one item per URL', () => {
    const record = exampleNotice({
      candidates: [
        exampleCandidate(),
        // Another case matched the same URL: listed once, with both case references.
        exampleCandidate({ matchId: 13, caseRef: 'HW-AAAA-BBBB', signal: 'md5', distance: 0 }),
      ],
    });
    expect(record.reference).toBe('HWN-2026-000123');
    expect(record.sender.email).toBe('notices@helpline.example');
    expect(record.signature.text).toBe('/s/ Alex Example, Head of Content Removal, Helpline Example e.V.');
    expect(record.goodFaith.join(' ')).toMatch(/not consensual/);
    expect(record.goodFaith.join(' ')).toMatch(/accurate and complete/);
    expect(record.explanation).toMatch(/confirmed by a trained analyst/);
    expect(record.requestedActions.join(' ')).toMatch(/identical copies/);
    expect(record.requestedActions.join(' ')).toMatch(/re-uploads/);
    expect(record.items).toHaveLength(1);
    expect(record.items[0]).toMatchObject({
      matchIds: [11, 13],
      caseRefs: ['HW-7Q2K-9M4X', 'HW-AAAA-BBBB'],
      evidence: { signal: 'md5', distance: 0, md5: 'd41d8cd98f00b204e9800998ecf8427e' },
      firstSeenAt: '2026-10-01T08:15:00.000Z',
      lastVerifiedAt: '2026-10-28T09:30:00.000Z',
    });
    expect(record.caseRefs).toEqual(['HW-7Q2K-9M4X', 'HW-AAAA-BBBB']);
  });

  it('gives PDQ for images only', () => {
    const record = exampleNotice();
    const video = record.items.find((i) => i.evidence.kind === 'video');
    const image = record.items.find((i) => i.evidence.kind === 'image');
    expect(video?.evidence.pdq).toBeNull();
    expect(image?.evidence.pdq).toBe('f'.repeat(64));
  });

  it('marks follow-ups with their level and the earlier notice', () => {
    const record = buildNotice({
      reference: 'HWN-2026-000200',
      level: 2,
      platform: examplePlatform(),
      candidates: [
        exampleCandidate({
          previous: { ref: 'HWN-2026-000123', sentAt: new Date(), deadlineAt: new Date() },
        }),
      ],
      settings: exampleSettings(),
      now: new Date('2026-11-10T06:00:00Z'),
    });
    expect(record.level).toBe(2);
    expect(record.previousRefs).toEqual(['HWN-2026-000123']);
    expect(record.items[0]?.previousRefs).toEqual(['HWN-2026-000123']);
  });

  it('drops withdrawn matches and the URLs and case references left without one', () => {
    const record = exampleNotice({
      candidates: [
        exampleCandidate(),
        exampleCandidate({ matchId: 13, caseRef: 'HW-AAAA-BBBB' }),
        exampleCandidate({
          matchId: 14,
          caseRef: 'HW-AAAA-BBBB',
          mediaId: 102,
          url: 'https://tube.example/b',
        }),
      ],
    });
    const pruned = withoutMatches(record, [13, 14]);
    expect(pruned.items.map((i) => i.url)).toEqual(['https://media.cdn.tube.example/v/abc123/poster.jpg']);
    expect(pruned.items[0]?.matchIds).toEqual([11]);
    expect(pruned.caseRefs).toEqual(['HW-7Q2K-9M4X']);
    expect(pruned.explanation).not.toMatch(/HW-AAAA-BBBB/);
    expect(withoutMatches(record, [11, 13, 14]).items).toEqual([]);
  });

  it('formats references with the year and a zero-padded number', () => {
    expect(formatNoticeRef(new Date('2026-03-01T00:00:00Z'), 123)).toBe('HWN-2026-000123');
    expect(formatNoticeRef(new Date('2027-01-01T00:00:00Z'), 1234567)).toBe('HWN-2027-1234567');
  });
});

describe('host patterns', () => {
  it('lists the exact host first, then wildcard parents, never a bare TLD wildcard', () => {
    expect(hostCandidates('A.CDN.tube.example.')).toEqual([
      'a.cdn.tube.example',
      '*.cdn.tube.example',
      '*.tube.example',
    ]);
  });

  it('refuses patterns that are not hosts or are too broad', () => {
    expect(normalizeHostPattern('*.CDN.Tube.example')).toEqual({ pattern: '*.cdn.tube.example' });
    expect(normalizeHostPattern('*.example')).toHaveProperty('problem');
    expect(normalizeHostPattern('*')).toHaveProperty('problem');
    expect(normalizeHostPattern('https://tube.example/')).toHaveProperty('problem');
  });

  it('groups candidates by the most specific pattern and keeps unknown hosts apart', () => {
    const directory = new Map([
      ['*.tube.example', 1],
      ['*.cdn.tube.example', 2],
      ['tube.example', 3],
    ]);
    const { byPlatform, unmatched } = groupByPlatform(
      [
        exampleCandidate({ matchId: 1, host: 'a.cdn.tube.example' }),
        exampleCandidate({ matchId: 2, host: 'www.tube.example' }),
        exampleCandidate({ matchId: 3, host: 'tube.example' }),
        exampleCandidate({ matchId: 4, host: 'cdn.other.example' }),
      ],
      directory,
    );
    expect(byPlatform.get(2)?.map((c) => c.matchId)).toEqual([1]);
    expect(byPlatform.get(1)?.map((c) => c.matchId)).toEqual([2]);
    expect(byPlatform.get(3)?.map((c) => c.matchId)).toEqual([3]);
    expect(unmatched.map((c) => c.matchId)).toEqual([4]);
  });
});
