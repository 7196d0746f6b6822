// proto2 `required` checking over in-memory objects, reporting paths the way the master does
// (protobuf's InitializationErrorString: `subscribe.framework_info.user, accept.operations[0].type`).
import type protobuf from 'protobufjs';
import { isPlainObject } from './scalars.js';
import { childPath, specOf } from './schema.js';

/** The paths of required fields missing anywhere inside `value` (an in-memory object of `type`). Values of
 * the wrong shape are skipped: shape errors belong to the codec. */
export function missingRequiredFields(type: protobuf.Type, value: unknown, path = ''): string[] {
  if (!isPlainObject(value)) return [];
  const missing: string[] = [];
  for (const field of specOf(type).fields) {
    const v = value[field.name];
    const fieldPath = childPath(path, field.name);
    if (v === undefined || v === null) {
      if (field.label === 'required') missing.push(fieldPath);
      continue;
    }
    if (field.value.kind !== 'message') continue;
    const inner = field.value.messageType;
    if (field.label === 'repeated' && Array.isArray(v)) {
      v.forEach((item, i) => missing.push(...missingRequiredFields(inner, item, `${fieldPath}[${i}]`)));
    } else if (field.label === 'map' && isPlainObject(v)) {
      for (const [key, item] of Object.entries(v))
        missing.push(...missingRequiredFields(inner, item, `${fieldPath}[${key}]`));
    } else {
      missing.push(...missingRequiredFields(inner, v, fieldPath));
    }
  }
  return missing;
}
