// Tool schemas are converted to JSON Schema once per registration (src/mcp/listed-schemas.ts), not on every
// tools/list, and validate exactly as the schemas they stand for.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { convertedOnce } from '../../src/mcp/listed-schemas.js';

describe('tool schemas converted once', () => {
  const schema = z.object({ to: z.number().int().max(5), note: z.string().optional() });

  it('validate as the original does, and are still the original to anything that looks past the standard face', async () => {
    const once = convertedOnce(schema);
    for (const value of [{ to: 3 }, { to: 9 }, { to: 'x' }, {}, null]) {
      assert.deepEqual(await once['~standard'].validate(value), await schema['~standard'].validate(value), JSON.stringify(value));
    }
    assert.ok(once instanceof z.ZodObject);
    assert.equal(once.shape, schema.shape);
  });

  it('convert once per target and give the same JSON Schema as the original', () => {
    let conversions = 0;
    const counted = Object.create(schema, {
      '~standard': {
        value: {
          ...schema['~standard'],
          jsonSchema: {
            input: (options: never) => (conversions++, schema['~standard'].jsonSchema.input(options)),
            output: (options: never) => (conversions++, schema['~standard'].jsonSchema.output(options)),
          },
        },
      },
    }) as typeof schema;
    const once = convertedOnce(counted);
    const options = { target: 'draft-2020-12' } as const;
    const first = once['~standard'].jsonSchema.input(options);
    assert.equal(once['~standard'].jsonSchema.input(options), first);
    assert.deepEqual(first, schema['~standard'].jsonSchema.input(options));
    once['~standard'].jsonSchema.output(options);
    once['~standard'].jsonSchema.output(options);
    assert.equal(conversions, 2, 'one conversion for input, one for output');
  });

  it('leave what is not a Standard Schema as it is', () => {
    const shape = { to: z.number() };
    assert.equal(convertedOnce(shape), shape);
    assert.equal(convertedOnce(undefined), undefined);
  });
});
