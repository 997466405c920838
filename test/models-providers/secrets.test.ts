import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lib/errors.js';
import { apiKeyFromEnvOrSecret } from '../../lib/models-providers/index.js';

const secrets = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({ region: 'us-east-1' });

beforeEach(() => {
  secrets.reset();
});

describe('apiKeyFromEnvOrSecret', () => {
  describe('when the environment variable is set', () => {
    it('returns it without calling Secrets Manager', async () => {
      const provider = apiKeyFromEnvOrSecret({ env: { OPENAI_API_KEY: 'sk-env' }, secretId: 's', client });

      await expect(provider()).resolves.toBe('sk-env');
      expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
    });
  });

  describe('when only a secret is configured', () => {
    it('fetches the secret once and caches it', async () => {
      secrets.on(GetSecretValueCommand, { SecretId: 'prod/openai' }).resolves({ SecretString: 'sk-secret\n' });
      const provider = apiKeyFromEnvOrSecret({ env: {}, secretId: 'prod/openai', client });

      const first = await provider();
      const second = await provider();

      expect([first, second]).toEqual(['sk-secret', 'sk-secret']);
      expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    });

    it('reads a field of a JSON secret', async () => {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"apiKey":"sk-json","org":"o"}' });
      const provider = apiKeyFromEnvOrSecret({ env: {}, secretId: 's', client, jsonField: 'apiKey' });

      await expect(provider()).resolves.toBe('sk-json');
    });

    it('does not cache a failed fetch', async () => {
      secrets.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves({ SecretString: 'sk-later' });
      const provider = apiKeyFromEnvOrSecret({ env: {}, secretId: 's', client });

      await expect(provider()).rejects.toThrow('throttled');
      await expect(provider()).resolves.toBe('sk-later');
    });

    it('rejects a JSON secret without the field, without echoing the secret', async () => {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"other":"sk-hidden"}' });
      const provider = apiKeyFromEnvOrSecret({ env: {}, secretId: 's', client, jsonField: 'apiKey' });

      const error: unknown = await provider().catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ConfigurationError);
      expect(JSON.stringify(error) + String(error)).not.toContain('sk-hidden');
    });
  });

  describe('when nothing is configured', () => {
    it('rejects with a ConfigurationError naming the variable', async () => {
      const provider = apiKeyFromEnvOrSecret({ envVar: 'MY_KEY', env: {} });

      await expect(provider()).rejects.toThrow(ConfigurationError);
      await expect(provider()).rejects.toThrow('MY_KEY');
    });

    it('refuses a secretId without a client at construction', () => {
      expect(() => apiKeyFromEnvOrSecret({ secretId: 's' })).toThrow(ConfigurationError);
    });
  });
});
