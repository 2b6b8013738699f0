import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.db.url).toBe('postgres://postgres@127.0.0.1:5432/hashwatch');
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.crawler.allowPrivateNetworks).toBe(false);
    expect(c.hashing.ffmpegPath).toBe('ffmpeg');
    expect(c.matching).toMatchObject({ pdqThreshold: 31, pdqQualityGate: 50, videoMatchPercent: 80 });
    expect(c.cases.pinMaxAttempts).toBe(5);
  });

  it('lists every bad variable at once, by name', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'not a url', CRAWLER_ALLOW_PRIVATE_NETWORKS: 'maybe' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^PORT:/m);
    expect(problems).toMatch(/^DATABASE_URL:/m);
    expect(problems).toMatch(/^CRAWLER_ALLOW_PRIVATE_NETWORKS: must be true or false/m);
  });

  it('parses booleans and numbers, treats empty strings as unset, and freezes the result', () => {
    const c = loadConfig({ CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true', PORT: '9000', LOG_LEVEL: '' });
    expect(c.crawler.allowPrivateNetworks).toBe(true);
    expect(c.server.port).toBe(9000);
    expect(c.log.level).toBe('info');
    expect(Object.isFrozen(c.server)).toBe(true);
  });
});
