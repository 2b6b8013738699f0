/**
 * The wording of a notice's legal grounds and statements, chosen by the platform's jurisdictions.
 * Kept apart from the builder so that a lawyer can review one file. English only for now.
 */
import type { Jurisdiction, LegalBasis, NoticeSettings } from './types.js';

/** The TAKE IT DOWN Act's removal duty applies to covered platforms from this day. */
export const TAKE_IT_DOWN_IN_FORCE = new Date('2026-05-19T00:00:00Z');

/**
 * The legal bases of a notice: the platform's own terms always; DSA Art. 16 for the EU; the TAKE IT
 * DOWN Act for the US once in force; the Online Safety Act for the UK; DMCA §512(c)(3) only when
 * configured, because it is valid only when the survivors hold the copyright (self-made images).
 */
export function legalBases(
  jurisdictions: readonly Jurisdiction[],
  settings: Pick<NoticeSettings, 'dmca' | 'sender'>,
  now: Date,
): LegalBasis[] {
  const bases: LegalBasis[] = [];
  if (jurisdictions.includes('EU')) {
    bases.push({
      code: 'DSA_ART16',
      title: 'EU Digital Services Act (Regulation (EU) 2022/2065), Article 16',
      text:
        'This is a notice of illegal content under Article 16 DSA. It contains the elements of Article 16(2): ' +
        'a substantiated explanation, the exact URLs, the name and email address of the sender, and a ' +
        'statement of bona fide belief. Please confirm receipt without undue delay and notify us of your ' +
        'decision and the redress available (Article 16(4)-(5)).' +
        (settings.sender.trustedFlagger
          ? ' The sender is a trusted flagger under Article 22 DSA: this notice is to be processed with priority.'
          : ''),
    });
  }
  if (jurisdictions.includes('US') && now >= TAKE_IT_DOWN_IN_FORCE) {
    bases.push({
      code: 'TAKE_IT_DOWN',
      title: 'US TAKE IT DOWN Act, 47 U.S.C. § 223a',
      text:
        'This is a valid removal request under 47 U.S.C. § 223a for non-consensual intimate visual ' +
        'depictions of an identifiable individual. A covered platform must remove each depiction within ' +
        '48 hours of receiving this request and make reasonable efforts to identify and remove any known ' +
        'identical copies.',
    });
  }
  if (jurisdictions.includes('UK')) {
    bases.push({
      code: 'UK_OSA',
      title: 'UK Online Safety Act 2023',
      text:
        'Sharing an intimate image without consent is an offence (Sexual Offences Act 2003, s. 66B) and ' +
        'priority illegal content under the Online Safety Act 2023. A user-to-user service must swiftly ' +
        'take it down once it is aware of it.',
    });
  }
  bases.push({
    code: 'TERMS',
    title: 'Your terms of service',
    text: 'Non-consensual intimate imagery is prohibited by your terms of service and content policies.',
  });
  if (settings.dmca) {
    bases.push({
      code: 'DMCA_512C3',
      title: 'US Digital Millennium Copyright Act, 17 U.S.C. § 512(c)(3)',
      text:
        'This notice is also a notification of claimed infringement. The copyrighted works are the ' +
        'images and videos of the person depicted, identified by the hash evidence below; the infringing ' +
        'material is at the URLs listed. We have a good faith belief that use of the material in the ' +
        'manner complained of is not authorized by the copyright owner, its agent, or the law. The ' +
        'information in this notification is accurate, and under penalty of perjury, we are authorized ' +
        'to act on behalf of the owner of an exclusive right that is allegedly infringed.',
    });
  }
  return bases;
}

/** The substantiated explanation of why the content is illegal (DSA Art. 16(2)(a)). */
export function explanation(caseRefs: readonly string[]): string {
  const refs = caseRefs.join(', ');
  return (
    'The material at each URL below is non-consensual intimate imagery: an intimate image or video of ' +
    'an identifiable adult published without their consent. The person depicted registered digital ' +
    `fingerprints (hashes) of their images with us and is identified here only by case reference ${refs}. ` +
    'Each URL was identified by matching the hashes of the file found there against those fingerprints, ' +
    'and every match was confirmed by a trained analyst. No copy of any image is attached or kept by us; ' +
    'the hashes below identify the material.'
  );
}

/** Good-faith statements (TAKE IT DOWN Act §223a(a)(1)(B)(iii); DSA Art. 16(2)(d)). */
export function goodFaithStatements(): string[] {
  return [
    'I have a good faith belief that each intimate visual depiction identified in this notice is not ' +
      'consensual: the person depicted did not consent to its publication.',
    'I have a bona fide belief that the information and allegations in this notice are accurate and complete.',
  ];
}

/** What the platform is asked to do. */
export function requestedActions(deadlineHours: number, statutory: boolean): string[] {
  return [
    `Remove or disable access to the material at every URL listed, within ${deadlineHours} hours of ` +
      `receiving this notice${statutory ? ' (the deadline set by law)' : ''}.`,
    'Remove known identical copies elsewhere on your service: files with the same MD5 or SHA-256, and ' +
      'images within a small PDQ distance of the hashes given.',
    'Block re-uploads by adding these hashes to your upload hash-matching.',
    'Confirm receipt and tell us your decision, quoting the notice reference (use the acknowledgement link).',
  ];
}
