import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { ConfigurationError } from '../errors.js';
import { parseJson } from './json.js';

export interface ApiKeySourceOptions {
  /** Checked first, at call time. Default `OPENAI_API_KEY`. */
  readonly envVar?: string;
  /** Secrets Manager secret id or ARN, used when the variable is unset or empty. */
  readonly secretId?: string;
  /** Required with `secretId` (no silent default client). */
  readonly client?: SecretsManagerClient;
  /** When the secret string is a JSON object, the field that holds the key. */
  readonly jsonField?: string;
  /** Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const StringField = (field: string) => z.object({ [field]: z.string().check(z.minLength(1)) });

async function readSecret(client: SecretsManagerClient, secretId: string, jsonField: string | undefined): Promise<string> {
  const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const secret = output.SecretString;
  if (!secret) throw new ConfigurationError(`secret ${secretId} has no SecretString`, { secretId });
  if (jsonField === undefined) return secret.trim();
  const parsed = parseJson(secret);
  const fields = parsed.ok ? StringField(jsonField).safeParse(parsed.value) : undefined;
  const value = fields?.success ? fields.data[jsonField] : undefined;
  if (value === undefined) {
    throw new ConfigurationError(`secret ${secretId} is not a JSON object with a string field ${jsonField}`, { secretId, jsonField });
  }
  return value;
}

/**
 * An `apiKeyProvider`: the environment variable if set, else the Secrets Manager secret, fetched once
 * per process (a failed fetch is not cached, so the next call retries). Values never appear in errors.
 * @example
 * const apiKeyProvider = apiKeyFromEnvOrSecret({ envVar: 'OPENAI_API_KEY', secretId: 'prod/openai', client });
 */
export function apiKeyFromEnvOrSecret(options: ApiKeySourceOptions = {}): () => Promise<string> {
  const envVar = options.envVar ?? 'OPENAI_API_KEY';
  const { secretId, client, jsonField } = options;
  if (secretId !== undefined && client === undefined) {
    throw new ConfigurationError('apiKeyFromEnvOrSecret: secretId needs a SecretsManagerClient', { secretId });
  }
  let cached: Promise<string> | undefined;
  return () => {
    const fromEnv = (options.env ?? process.env)[envVar]?.trim();
    if (fromEnv) return Promise.resolve(fromEnv);
    if (secretId === undefined || client === undefined) {
      return Promise.reject(new ConfigurationError(`API key missing: set ${envVar} or configure a secretId`, { envVar }));
    }
    cached ??= readSecret(client, secretId, jsonField).catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}
