import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parsePlatformsYaml } from './platforms-seed.js';

describe('parsePlatformsYaml', () => {
  it('reads the example directory, with only *.example hosts and addresses', async () => {
    const text = await readFile(new URL('../../config/platforms.example.yaml', import.meta.url), 'utf8');
    const platforms = parsePlatformsYaml(text);
    expect(platforms.map((p) => p.name)).toEqual(['Tube Example', 'Clips Example', 'Forum Example']);
    const tube = platforms[0];
    expect(tube?.hostPatterns).toEqual(['tube.example', 'www.tube.example', '*.cdn.tube.example']);
    expect(tube?.escalation).toEqual({ name: 'Hosting Example Ltd', email: 'abuse@hosting.example' });
    // A platform without an email address can only take notices through its form.
    expect(platforms[2]?.preferredFormat).toBe('webform');
    expect(platforms[1]?.preferredFormat).toBe('email');
    for (const p of platforms) {
      for (const value of [p.abuseEmail, p.webformUrl, p.escalation?.email, ...p.hostPatterns]) {
        if (value) expect(value).toMatch(/\.example(\/|$)/);
      }
    }
  });

  it('lists every problem at once', () => {
    const text = `
platforms:
  - name: A
    hosts: ["*", "ok.example.org"]
    jurisdictions: [EU, MARS]
  - name: B
    hosts: [ok.example.org]
    abuseEmail: not-an-address
  - name: C
    hosts: [c.example.org]
    webformUrl: https://c.example.org/form
    preferredFormat: email
`;
    let problems: string[] = [];
    try {
      parsePlatformsYaml(text);
    } catch (err) {
      expect(err).toMatchObject({ code: 'PLATFORMS_FILE_INVALID' });
      problems = (err as { details: { problems: string[] } }).details.problems;
    }
    expect(problems.join('\n')).toMatch(/platforms\.0\.jurisdictions\.1/);
    expect(problems.join('\n')).toMatch(/platforms\.1\.abuseEmail/);
  });

  it('refuses a platform that notices cannot reach', () => {
    const text = 'platforms:\n  - name: A\n    hosts: [a.example.org]\n    jurisdictions: [EU]\n';
    expect(() => parsePlatformsYaml(text)).toThrow(/platforms\.0: needs an abuseEmail or a webformUrl/);
  });

  it('refuses a host claimed by two platforms, a too-broad pattern, and email without an address', () => {
    const text = `
platforms:
  - name: A
    hosts: ["*.example", "shared.example.org"]
    abuseEmail: a@example.org
  - name: B
    hosts: [shared.example.org]
    abuseEmail: b@example.org
  - name: C
    hosts: [c.example.org]
    webformUrl: https://c.example.org/form
    preferredFormat: email
`;
    expect(() => parsePlatformsYaml(text)).toThrow(
      /too broad[\s\S]*also listed for "A"[\s\S]*email needs an abuseEmail/,
    );
  });

  it('explains YAML syntax errors', () => {
    expect(() => parsePlatformsYaml('platforms: [')).toThrow(/not valid YAML/);
  });
});
