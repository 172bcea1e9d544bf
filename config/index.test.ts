import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

describe('input limit settings', () => {
  it('has defaults for every limit', () => {
    const { limits } = loadConfig({});
    expect(limits.adql).toEqual({ maxLength: 100_000, maxNesting: 150, maxDepth: 500, maxSubqueryDepth: 16, maxTables: 32 });
    expect([limits.requestMaxBytes, limits.requestMaxParts, limits.formMaxBytes]).toEqual([64 * 1024 * 1024, 64, 1024 * 1024]);
    expect([limits.uploadMaxColumns, limits.uploadMaxTables]).toEqual([1000, 10]);
    expect(limits.uploadAllowHosts).toEqual([]);
  });

  it('reads the variables, the allow-list as lower-cased host or host:port entries', () => {
    const { limits } = loadConfig({ XTAP_ADQL_MAX_DEPTH: '800', XTAP_ADQL_MAX_TABLES: '8', XTAP_UPLOAD_ALLOW_HOSTS: ' Files.Example.org, 127.0.0.1:8081 ,' });
    expect(limits.adql.maxDepth).toBe(800);
    expect(limits.adql.maxTables).toBe(8);
    expect(limits.uploadAllowHosts).toEqual(['files.example.org', '127.0.0.1:8081']);
  });

  it('refuses limits the code cannot honour and the retired private-network switch, naming each', () => {
    const err = (() => {
      try {
        loadConfig({ XTAP_ADQL_MAX_DEPTH: '5000', XTAP_UPLOAD_MAX_COLUMNS: '0', XTAP_UPLOAD_ALLOW_PRIVATE: '1' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems.join('\n')).toMatch(/XTAP_ADQL_MAX_DEPTH/);
    expect(err.problems.join('\n')).toMatch(/XTAP_UPLOAD_MAX_COLUMNS/);
    expect(loadConfigProblems({ XTAP_UPLOAD_ALLOW_PRIVATE: '1' })).toMatch(/XTAP_UPLOAD_ALLOW_PRIVATE: no longer supported; list the hosts .* in XTAP_UPLOAD_ALLOW_HOSTS/);
    expect(loadConfigProblems({ XTAP_UPLOAD_MAX_BYTES: '100', XTAP_REQUEST_MAX_BYTES: '50' })).toMatch(/XTAP_UPLOAD_MAX_BYTES: must not exceed XTAP_REQUEST_MAX_BYTES/);
  });
});

function loadConfigProblems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (e) {
    return (e as ConfigError).problems.join('\n');
  }
  return '';
}
