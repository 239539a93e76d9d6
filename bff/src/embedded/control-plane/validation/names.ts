import type { NameRule } from '../registry/resource-type';

/** Kubernetes' name and label rules, with its own wording (apimachinery/pkg/util/validation). */

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${QUALIFIED_NAME})?`;

const full = (re: string) => new RegExp(`^${re}$`);
const dns1123Label = full(DNS1123_LABEL);
const dns1123Subdomain = full(DNS1123_SUBDOMAIN);
const dns1035Label = full(DNS1035_LABEL);
const qualifiedName = full(QUALIFIED_NAME);
const labelValue = full(LABEL_VALUE);

const maxLength = (n: number) => `must be no more than ${n} characters`;

/** Messages for a name that breaks the rule; empty when the name is valid. */
export function nameErrors(name: string, rule: NameRule): string[] {
  const errs: string[] = [];
  switch (rule) {
    case 'dns1123-label':
      if (name.length > 63) errs.push(maxLength(63));
      if (!dns1123Label.test(name))
        errs.push(
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '" +
            DNS1123_LABEL +
            "')",
        );
      break;
    case 'dns1035-label':
      if (name.length > 63) errs.push(maxLength(63));
      if (!dns1035Label.test(name))
        errs.push(
          "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '" +
            DNS1035_LABEL +
            "')",
        );
      break;
    case 'dns1123-subdomain':
      if (name.length > 253) errs.push(maxLength(253));
      if (!dns1123Subdomain.test(name))
        errs.push(
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '" +
            DNS1123_SUBDOMAIN +
            "')",
        );
      break;
  }
  return errs;
}

/** Label and annotation keys: an optional DNS subdomain prefix and a name of at most 63 characters. */
export function qualifiedNameErrors(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    const [prefix = '', rest = ''] = parts;
    name = rest;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...nameErrors(prefix, 'dns1123-subdomain').map((e) => `prefix part ${e}`));
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" +
        QUALIFIED_NAME +
        "') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (name.length > 0 && !qualifiedName.test(name))
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" +
        QUALIFIED_NAME +
        "')",
    );
  return errs;
}

export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLength(63));
  if (!labelValue.test(value))
    errs.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '" +
        LABEL_VALUE +
        "')",
    );
  return errs;
}
