// `local/code-layering`: every import (static, re-export, dynamic `import('…')`, type-only too)
// must be allowed by the layer map in layers.ts — a file of another layer by the importing
// layer's `layers`, an npm package by its kind and the layer's `packages`.
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ESLint, Rule } from 'eslint';
import { LAYERS, PACKAGES, type PackageKind } from './layers.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAP = 'lint-rules/layers.ts';

/** A syntax node, as `context.report` takes it. */
type SyntaxNode = Extract<Rule.ReportDescriptor, { node: unknown }>['node'];

/** The layer a repository-relative path (with forward slashes) belongs to, or null. */
export function layerOf(relativePath: string): string | null {
  for (const [name, layer] of Object.entries(LAYERS)) {
    if (layer.files.some((prefix) => (prefix.endsWith('/') ? relativePath.startsWith(prefix) : relativePath === prefix))) return name;
  }
  return null;
}

const KIND_OF = new Map<string, PackageKind>(
  (Object.entries(PACKAGES) as [PackageKind, string[]][]).flatMap(([kind, names]) => names.map((name): [string, PackageKind] => [name, kind])),
);

/** `@scope/name/sub?raw` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier: string): string {
  const bare = specifier.split('?')[0]!;
  const parts = bare.split('/');
  return bare.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The kind of a bare specifier: a `PACKAGES` kind, `node` for Node's built-ins, else null. */
export function packageKind(specifier: string): PackageKind | null {
  if (specifier.startsWith('node:') || isBuiltin(specifier.split('/')[0]!)) return 'node';
  return KIND_OF.get(packageName(specifier)) ?? null;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

export const codeLayering: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the layer map of lint-rules/layers.ts' },
    schema: [],
    messages: {
      noLayer: '{{file}} belongs to no layer: add its folder to LAYERS in ' + MAP + '.',
      layer: 'The {{from}} layer ({{what}}) may not import {{target}} from the {{to}} layer; it may import: {{allowed}} (' + MAP + ').',
      outside: 'The {{from}} layer may not import {{target}}: that file belongs to no layer (' + MAP + ').',
      unclassified: 'The package {{name}} is not classified: add it to PACKAGES in ' + MAP + ' (neutral, node, dom, electron, test or build).',
      package: 'The {{from}} layer ({{what}}) may not import {{name}} ({{kind}} package); it may import {{allowed}} packages (' + MAP + ').',
    },
  },
  create(context) {
    const file = toPosix(path.relative(REPO_ROOT, context.filename));
    if (file.startsWith('..') || path.isAbsolute(file)) return {};
    const from = layerOf(file);
    if (!from) {
      return {
        Program(node) {
          context.report({ node, messageId: 'noLayer', data: { file } });
        },
      };
    }
    const layer = LAYERS[from]!;

    function check(node: SyntaxNode, specifier: unknown): void {
      if (typeof specifier !== 'string') return;
      if (specifier.startsWith('.') || specifier.startsWith('/')) {
        const target = toPosix(path.relative(REPO_ROOT, path.resolve(path.dirname(context.filename), specifier.split('?')[0]!)));
        const to = layerOf(target);
        if (!to) context.report({ node, messageId: 'outside', data: { from, target } });
        else if (!layer.layers.includes(to)) context.report({ node, messageId: 'layer', data: { from, what: layer.what, to, target, allowed: layer.layers.join(', ') } });
        return;
      }
      const kind = packageKind(specifier);
      const name = specifier.startsWith('node:') ? specifier : packageName(specifier);
      if (!kind) context.report({ node, messageId: 'unclassified', data: { name } });
      else if (!layer.packages.includes(kind))
        context.report({ node, messageId: 'package', data: { from, what: layer.what, name, kind, allowed: layer.packages.join(', ') || 'no' } });
    }

    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => {
        if (node.source) check(node.source, node.source.value);
      },
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => {
        if (node.source.type === 'Literal') check(node.source, node.source.value);
      },
    };
  },
};

const plugin: ESLint.Plugin = { meta: { name: 'studylog-local' }, rules: { 'code-layering': codeLayering } };
export default plugin;
