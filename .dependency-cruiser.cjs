/**
 * Architecture boundaries (ARCHITECTURE §2, STYLE rule 1):
 * - a service imports only platform/ and other services' index.ts (or contract.ts: a service's
 *   client contract and types without its module, for a pair of services that need each other);
 * - platform/ knows no service;
 * - nothing imports test code.
 */
module.exports = {
  forbidden: [
    {
      name: 'service-internals',
      comment: "A service may import another service only through that service's index.ts or contract.ts.",
      severity: 'error',
      from: { path: '^src/services/([^/]+)/' },
      to: {
        path: '^src/services/([^/]+)/',
        pathNot: ['^src/services/$1/', '^src/services/[^/]+/(index|contract)\\.ts$'],
      },
    },
    {
      name: 'outside-into-service-internals',
      comment: 'Code outside services (workflows, app.ts) uses a service through its index.ts only.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/services/' },
      to: { path: '^src/services/[^/]+/', pathNot: '^src/services/[^/]+/index\\.ts$' },
    },
    {
      name: 'platform-knows-no-service',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/(services|workflows)/' },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(test|bench)/' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
