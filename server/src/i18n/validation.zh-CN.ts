/**
 * zod's own refusals in Chinese, keyed by zod's issue code (and, where the wording depends on it, the
 * kind of value: `too_small.string`), with `{name}` filled from the issue's params (minimum, maximum,
 * expected, values, keys, divisor). Data, not code: shared/http/validation-zh.ts picks the key and
 * fills it. `*.other` is the fallback for an origin not listed.
 */
export const zodIssueWords = {
  'invalid_type.missing': '必填',
  invalid_type: '应为{expected}',
  'too_small.string': '至少需要 {minimum} 个字符',
  'too_small.string.one': '不能为空',
  'too_small.array': '至少需要 {minimum} 项',
  'too_small.date': '不能早于 {minimum}',
  'too_small.other': '不能小于 {minimum}',
  'too_small.other.exclusive': '必须大于 {minimum}',
  'too_big.string': '最多 {maximum} 个字符',
  'too_big.array': '最多 {maximum} 项',
  'too_big.date': '不能晚于 {maximum}',
  'too_big.other': '不能大于 {maximum}',
  'too_big.other.exclusive': '必须小于 {maximum}',
  'invalid_format.email': '邮箱格式不正确',
  'invalid_format.url': '链接格式不正确',
  'invalid_format.datetime': '应为 ISO 日期时间',
  'invalid_format.other': '格式不正确',
  invalid_value: '应为以下之一：{values}',
  unrecognized_keys: '不支持的字段：{keys}',
  not_multiple_of: '应为 {divisor} 的倍数',
  invalid_union: '格式不正确',
  invalid_key: '格式不正确',
  invalid_element: '格式不正确',
  custom: '格式不正确',
} as const;

/** The value kinds zod names in invalid_type (`expected`), as a person would. */
export const zodTypeWords: Record<string, string> = {
  string: '文字',
  number: '数字',
  int: '整数',
  boolean: '是或否',
  date: '日期',
  array: '列表',
  object: '对象',
};

export type ZodIssueKey = keyof typeof zodIssueWords;
