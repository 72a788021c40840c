/**
 * The inputs each third-party action's stand-in implements, with the defaults its action.yml
 * declares. A workflow passing any other input fails the rehearsal: the stand-in would not honour it.
 */
export const STAND_INS: Record<string, { readonly inputs: Record<string, { default?: string }> }> = {
  'actions/checkout': {
    inputs: {
      ref: { default: '' },
      'persist-credentials': { default: 'true' },
      'sparse-checkout': { default: '' },
      'fetch-depth': { default: '1' },
      token: { default: '${{ github.token }}' },
    },
  },
  'actions/setup-node': {
    inputs: { 'node-version': { default: '' }, cache: { default: '' } },
  },
  'aws-actions/configure-aws-credentials': {
    inputs: {
      'role-to-assume': {},
      'aws-region': {},
      'role-session-name': { default: 'GitHubActions' },
      'role-duration-seconds': { default: '' },
      audience: { default: 'sts.amazonaws.com' },
      'mask-aws-account-id': { default: 'false' },
    },
  },
  'actions/github-script': {
    inputs: {
      script: {},
      'github-token': { default: '${{ github.token }}' },
      'result-encoding': { default: 'json' },
    },
  },
  'docker/setup-buildx-action': { inputs: {} },
};
