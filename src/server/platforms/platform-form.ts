/**
 * The admin form of the platform directory: form fields to a directory entry, checked by the same
 * schema and host-pattern rules as the YAML seed, with a plain message per field.
 */
import {
  JURISDICTIONS,
  type Platform,
  type PlatformInput,
  platformEntrySchema,
  platformInputOf,
} from '../../reports/index.js';

/** The form's fields as typed (strings), to show them again next to the problems. */
export interface PlatformFormValues {
  name: string;
  hosts: string;
  abuseEmail: string;
  webformUrl: string;
  trustedFlaggerChannel: string;
  jurisdictions: string[];
  preferredFormat: string;
  hostingName: string;
  hostingEmail: string;
}

/** A problem with one field of the form. */
export interface FormProblem {
  field: keyof PlatformFormValues | 'form';
  message: string;
}

export type PlatformFormResult =
  | { ok: true; input: PlatformInput; values: PlatformFormValues }
  | { ok: false; problems: FormProblem[]; values: PlatformFormValues };

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const list = (v: unknown) =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x) => typeof x === 'string');

/** Empty form values, optionally for a new platform of one host (from the "needs contact" list). */
export function emptyValues(host = ''): PlatformFormValues {
  return {
    name: '',
    hosts: host,
    abuseEmail: '',
    webformUrl: '',
    trustedFlaggerChannel: '',
    jurisdictions: [],
    preferredFormat: '',
    hostingName: '',
    hostingEmail: '',
  };
}

/** The form values of an existing platform. */
export function valuesOf(p: Platform): PlatformFormValues {
  return {
    name: p.name,
    hosts: p.hostPatterns.join('\n'),
    abuseEmail: p.abuseEmail ?? '',
    webformUrl: p.webformUrl ?? '',
    trustedFlaggerChannel: p.trustedFlaggerChannel ?? '',
    jurisdictions: [...p.jurisdictions],
    preferredFormat: p.preferredFormat,
    hostingName: p.escalation?.name ?? '',
    hostingEmail: p.escalation?.email ?? '',
  };
}

/** Reads the posted form (form-encoded body) into values. */
export function readForm(body: Record<string, unknown> | undefined): PlatformFormValues {
  const b = body ?? {};
  return {
    name: text(b.name),
    hosts: text(b.hosts),
    abuseEmail: text(b.abuseEmail),
    webformUrl: text(b.webformUrl),
    trustedFlaggerChannel: text(b.trustedFlaggerChannel),
    jurisdictions: list(b.jurisdictions),
    preferredFormat: text(b.preferredFormat),
    hostingName: text(b.hostingName),
    hostingEmail: text(b.hostingEmail),
  };
}

function messageFor(path: PropertyKey[], v: PlatformFormValues): FormProblem {
  switch (path[0]) {
    case 'name':
      return { field: 'name', message: 'Give the platform a name (up to 200 characters).' };
    case 'hosts':
      return {
        field: 'hosts',
        message: 'Add at least one host pattern, such as tube.example or *.cdn.tube.example.',
      };
    case 'abuseEmail':
      return {
        field: 'abuseEmail',
        message: `The abuse email “${v.abuseEmail}” does not look like an email address.`,
      };
    case 'webformUrl':
      return {
        field: 'webformUrl',
        message: 'The web-form address must be a full http(s) address, such as https://tube.example/report.',
      };
    case 'trustedFlaggerChannel':
      return { field: 'trustedFlaggerChannel', message: 'The trusted-flagger channel cannot be blank.' };
    case 'jurisdictions':
      return { field: 'jurisdictions', message: `Choose jurisdictions from ${JURISDICTIONS.join(', ')}.` };
    case 'preferredFormat':
      return { field: 'preferredFormat', message: 'Choose email or web form as the way notices are sent.' };
    case 'hostingProvider':
      return {
        field: 'hostingEmail',
        message: `The hosting provider’s email “${v.hostingEmail}” does not look like an email address.`,
      };
    default:
      return {
        field: 'form',
        message: 'Give an abuse email or a web-form address: without one, notices cannot reach the platform.',
      };
  }
}

/** Checks the form values; on success the directory record to save. */
export function checkPlatformForm(values: PlatformFormValues): PlatformFormResult {
  const opt = (s: string) => (s === '' ? undefined : s);
  const problems: FormProblem[] = [];
  if (values.hostingName && !values.hostingEmail)
    problems.push({
      field: 'hostingEmail',
      message: 'Give the hosting provider’s email, or leave its name empty.',
    });
  const entry = {
    name: values.name,
    hosts: values.hosts.split(/[\s,]+/).filter(Boolean),
    abuseEmail: opt(values.abuseEmail),
    webformUrl: opt(values.webformUrl),
    trustedFlaggerChannel: opt(values.trustedFlaggerChannel),
    jurisdictions: values.jurisdictions,
    preferredFormat: opt(values.preferredFormat),
    hostingProvider: values.hostingEmail
      ? { email: values.hostingEmail, ...(values.hostingName ? { name: values.hostingName } : {}) }
      : undefined,
  };
  const parsed = platformEntrySchema.safeParse(entry);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const p = messageFor(issue.path, values);
      if (!problems.some((q) => q.field === p.field)) problems.push(p);
    }
    return { ok: false, problems, values };
  }
  const { input, problems: entryProblems } = platformInputOf(parsed.data);
  const hosts = entryProblems.filter((e) => e.field === 'hosts').map((e) => e.message);
  // One message per field: the form shows it next to that field.
  if (hosts.length) problems.push({ field: 'hosts', message: `Host patterns: ${hosts.join('; ')}.` });
  if (entryProblems.some((e) => e.field === 'preferredFormat'))
    problems.push({ field: 'preferredFormat', message: 'Sending by email needs an abuse email address.' });
  return problems.length ? { ok: false, problems, values } : { ok: true, input, values };
}
