/** Resolves the `import` export condition for ESM-only packages only; everything else resolves as usual. */
const esmOnly = [
  '@actions',
  '@octokit',
  'universal-user-agent',
  'before-after-hook',
  'json-with-bigint',
  'content-type',
];
const pattern = new RegExp(`^(${esmOnly.join('|')})(/|$)`);

module.exports = (request, options) =>
  options.defaultResolver(
    request,
    pattern.test(request) ? { ...options, conditions: [...(options.conditions ?? []), 'import'] } : options,
  );
module.exports.esmOnly = esmOnly;
