import { Ajv, type ErrorObject, type SchemaValidateFunction, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';

// ajv-formats is CommonJS with a default export; unwrap it the same way under tsx and tsc.
type FormatsPlugin = (ajv: Ajv) => Ajv;
const addFormats: FormatsPlugin =
  (formatsPlugin as unknown as { default?: FormatsPlugin }).default ??
  (formatsPlugin as unknown as FormatsPlugin);
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldError, Messages } from '../errors.js';
import type { Lang } from '../context.js';
import { checkText, type TextProblem, type TextRule } from '../text.js';

/**
 * Two validators: bodies are checked strictly (no type coercion, unknown fields refused, never
 * silently dropped); path and query strings are coerced from text, as they can only be text.
 */
function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    removeAdditional: false,
    useDefaults: true,
    allErrors: true,
    strict: false,
    allowUnionTypes: true,
  });
  addFormats(ajv);
  const validateText: SchemaValidateFunction = (rule: TextRule, data: string, _schema, ctx) => {
    const result = checkText(data, rule);
    if ('problem' in result) {
      validateText.errors = [{ keyword: TEXT_KEYWORD, params: { problem: result.problem } }];
      return false;
    }
    if (ctx) ctx.parentData[ctx.parentDataProperty] = result.value;
    return true;
  };
  // Normalises the value in place (NFC, trimmed), so the service stores what was checked; it runs
  // before the string keywords, so minLength and maxLength measure the normalised text.
  ajv.addKeyword({
    keyword: TEXT_KEYWORD,
    before: 'maxLength',
    type: 'string',
    modifying: true,
    errors: true,
    validate: validateText,
  });
  return ajv;
}

/** The schema keyword that applies the text rule (src/platform/text.ts); see Text() in schemas.ts. */
export const TEXT_KEYWORD = 'x-text';

const TEXT_MESSAGES: Record<TextProblem, Messages> = {
  LONE_SURROGATE: { 'zh-CN': '包含无效字符', en: 'contains an invalid character (a lone surrogate)' },
  CONTROL_CHARACTER: { 'zh-CN': '包含控制字符', en: 'contains a control character' },
  BIDI_CONTROL: { 'zh-CN': '包含文字方向控制字符', en: 'contains a bidirectional control character' },
  BLANK: { 'zh-CN': '不能为空白', en: 'must not be blank' },
  TOO_SHORT: { 'zh-CN': '长度不足', en: 'is too short' },
  TOO_LONG: { 'zh-CN': '长度超出上限', en: 'is too long' },
};

const bodyAjv = makeAjv(false);
const stringAjv = makeAjv(true);
const cache = new WeakMap<object, ValidateFunction>();

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : stringAjv;
  const cached = httpPart === 'body' ? cache.get(schema) : undefined;
  const fn = cached ?? ajv.compile(schema);
  if (httpPart === 'body' && !cached) cache.set(schema, fn);
  return fn as ReturnType<FastifySchemaCompiler<object>>;
};

const KEYWORD_MESSAGES: Record<string, Messages> = {
  required: { 'zh-CN': '缺少必填字段', en: 'is required' },
  type: { 'zh-CN': '类型不正确', en: 'has the wrong type' },
  additionalProperties: { 'zh-CN': '不允许的字段', en: 'is not an allowed field' },
  maxLength: { 'zh-CN': '长度超出上限', en: 'is too long' },
  minLength: { 'zh-CN': '长度不足', en: 'is too short' },
  maximum: { 'zh-CN': '超出最大值', en: 'is too large' },
  minimum: { 'zh-CN': '低于最小值', en: 'is too small' },
  exclusiveMaximum: { 'zh-CN': '超出最大值', en: 'is too large' },
  exclusiveMinimum: { 'zh-CN': '低于最小值', en: 'is too small' },
  maxItems: { 'zh-CN': '条目过多', en: 'has too many items' },
  minItems: { 'zh-CN': '条目过少', en: 'has too few items' },
  pattern: { 'zh-CN': '格式不正确', en: 'has an invalid format' },
  format: { 'zh-CN': '格式不正确', en: 'has an invalid format' },
  enum: { 'zh-CN': '取值不在允许范围内', en: 'is not an allowed value' },
  const: { 'zh-CN': '取值不在允许范围内', en: 'is not an allowed value' },
  anyOf: { 'zh-CN': '不符合任何允许的形式', en: 'matches none of the allowed shapes' },
  oneOf: { 'zh-CN': '不符合任何允许的形式', en: 'matches none of the allowed shapes' },
  uniqueItems: { 'zh-CN': '包含重复条目', en: 'has duplicate items' },
  maxProperties: { 'zh-CN': '字段过多', en: 'has too many fields' },
};

/** Turns Ajv errors into field errors with a stable code and a localised message. */
export function toFieldErrors(errors: ErrorObject[], part: string, lang: Lang): FieldError[] {
  // A text the rule refused was not normalised, so its raw length may fail too: one error is enough.
  const refusedText = new Set(errors.filter((e) => e.keyword === TEXT_KEYWORD).map((e) => e.instancePath));
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors) {
    if ((e.keyword === 'minLength' || e.keyword === 'maxLength') && refusedText.has(e.instancePath)) continue;
    let field = e.instancePath || '';
    if (e.keyword === 'required') field += `/${(e.params as { missingProperty: string }).missingProperty}`;
    if (e.keyword === 'additionalProperties') {
      field += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
    }
    const problem = e.keyword === TEXT_KEYWORD ? (e.params as { problem: TextProblem }).problem : undefined;
    const code = problem ? `TEXT_${problem}` : e.keyword.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
    const key = `${field}|${code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const msg =
      (problem ? TEXT_MESSAGES[problem][lang] : KEYWORD_MESSAGES[e.keyword]?.[lang]) ??
      (lang === 'en' ? (e.message ?? 'is invalid') : '不合法');
    out.push({ field: `${part}${field || '/'}`, code, message: msg });
    if (out.length >= 20) break;
  }
  return out;
}
