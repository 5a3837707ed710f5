// The ESLint rule behind README's layout table: each file belongs to a layer,
// and may import only the layers and npm packages its row names. Relative
// imports are resolved to the file they name, so the check is by folder, not
// by spelling. A file the rule is given that belongs to no layer is reported
// too: a new module must take its row. The table itself is in eslint.config.js.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUILTINS = new Set(builtinModules);

const withoutExtension = (path) => path.replace(/\.(tsx?|mjs|cjs|js|json)$/, '');
const fromRoot = (path) => relative(ROOT, path).split(sep).join('/');

/** `folder/` holds everything below it, `prefix*` every file whose path starts so, anything else is one file. */
function holds(entry, path) {
  if (entry.endsWith('/')) return path.startsWith(entry);
  if (entry.endsWith('*')) return path.startsWith(entry.slice(0, -1));
  return withoutExtension(entry) === withoutExtension(path);
}

function layerOf(layers, path) {
  return layers.find((layer) => layer.files.some((f) => holds(f, path)));
}

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the layout table of README.md (### Layout).' },
    schema: [{ type: 'object', properties: { layers: { type: 'array' } }, required: ['layers'], additionalProperties: false }],
  },
  create(context) {
    const { layers } = context.options[0];
    const file = fromRoot(context.filename);
    const own = layerOf(layers, file);
    if (!own) {
      return { Program: (node) => context.report({ node, message: `${file} is in no layer of README's layout table: give it a row (eslint.config.js and README).` }) };
    }
    const check = (node, spec) => {
      if (typeof spec !== 'string') return;
      if (spec.startsWith('.')) {
        const target = fromRoot(resolve(dirname(context.filename), spec));
        const layer = layerOf(layers, target);
        if (!layer) {
          context.report({ node, message: `${own.name} may not import ${spec}: ${target} is in no layer of README's layout table.` });
        } else if (layer !== own && !own.mayImport.includes(layer.name)) {
          context.report({ node, message: `${own.name} may not import ${layer.name} (${spec}): README's layout table allows ${[own.name, ...own.mayImport].join(', ')}.` });
        }
        return;
      }
      const name = packageName(spec);
      const builtin = spec.startsWith('node:') || BUILTINS.has(name);
      const allowed = builtin ? own.packages.includes('node:') : own.packages.includes(name);
      if (!allowed) {
        const what = builtin ? `Node's ${spec}` : `the package ${name}`;
        context.report({ node, message: `${own.name} may not import ${what}: README's layout table allows ${own.packages.length ? own.packages.join(', ') : 'no package'} there.` });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export const layersPlugin = { rules: { layers: layersRule } };
