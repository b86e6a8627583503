import { getAt, uiKey, type JsonSchema, type Path, type UiHints } from './json-schema.ts';

/**
 * Whether a field is shown: `ui.show[field]` lists, per other field, the values that make it appear
 * (`{ 'write.key': { 'write.mode': ['merge'] } }`); every listed condition must hold. Fields in arrays always show.
 */
export function isShown(ui: UiHints | undefined, path: Path, root: unknown): boolean {
  const key = uiKey(path);
  const conditions = key === undefined ? undefined : ui?.show?.[key];
  if (conditions === undefined) return true;
  return Object.entries(conditions).every(([other, values]) =>
    values.some((allowed) => Object.is(allowed, getAt(root, other.split('.')))),
  );
}

/** The properties of an object in the order the hints give (`ui.order`), the rest in schema order. */
export function orderedProperties(schema: JsonSchema, ui: UiHints | undefined, path: Path): string[] {
  const names = Object.keys(schema.properties ?? {});
  const prefix = uiKey(path);
  if (prefix === undefined || ui?.order === undefined) return names;
  const depth = path.length;
  const listed = ui.order
    .map((key) => key.split('.'))
    .filter((parts) => parts.length === depth + 1 && parts.slice(0, depth).join('.') === prefix)
    .map((parts) => parts[depth]!)
    .filter((name) => names.includes(name));
  return [...new Set([...listed, ...names])];
}

/** One section (a wizard step) of a form: its title and the top-level properties it shows. */
export interface FormSection {
  title: string;
  description?: string;
  fields: string[];
}

/**
 * The form's sections from `ui.groups` (a group naming `write` or `write.mode` shows the `write` object); properties
 * no group names follow in a last section, so a plugin's incomplete hints never hide a field.
 */
export function sectionsOf(schema: JsonSchema, ui: UiHints | undefined): FormSection[] {
  const all = orderedProperties(schema, ui, []);
  const sections: FormSection[] = [];
  const placed = new Set<string>();
  for (const group of ui?.groups ?? []) {
    const fields = [...new Set(group.fields.map((field) => field.split('.')[0]!))].filter(
      (name) => all.includes(name) && !placed.has(name),
    );
    if (fields.length === 0) continue;
    fields.forEach((name) => placed.add(name));
    sections.push({
      title: group.title,
      fields,
      ...(group.description === undefined ? {} : { description: group.description }),
    });
  }
  const rest = all.filter((name) => !placed.has(name));
  if (rest.length > 0) sections.push({ title: sections.length === 0 ? 'Settings' : 'More settings', fields: rest });
  return sections;
}
