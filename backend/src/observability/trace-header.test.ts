import { traceRootOf } from './trace-header';

const ROOT = '1-5759e988-bd862e3fe1be46a994272793';

describe('traceRootOf', () => {
  it('reads the root wherever it stands in the header', () => {
    expect(traceRootOf(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`)).toBe(ROOT);
    expect(traceRootOf(`Self=1-67891233-abcdef012345678912345678; Root=${ROOT}`)).toBe(ROOT);
  });

  it('ignores malformed headers', () => {
    expect(traceRootOf(undefined)).toBeUndefined();
    expect(traceRootOf('Root=nonsense;Sampled=1')).toBeUndefined();
    expect(traceRootOf('garbage')).toBeUndefined();
  });
});
