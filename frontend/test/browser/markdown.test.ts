import { parseInline, parseMarkdown, toSafeHref } from '../../src/browser/markdown';

describe('parseMarkdown blocks', () => {
  test('splits paragraphs on blank lines and keeps single newlines as breaks', () => {
    expect(parseMarkdown('one\ntwo\n\nthree')).toEqual([
      {
        type: 'paragraph',
        children: [{ type: 'text', text: 'one' }, { type: 'break' }, { type: 'text', text: 'two' }],
      },
      { type: 'paragraph', children: [{ type: 'text', text: 'three' }] },
    ]);
  });

  test('reads headings, bullet and numbered lists, quotes and fenced code', () => {
    const blocks = parseMarkdown(
      '## Steps\n- first\n- second\n\n1. one\n2) two\n> quoted\n```ts\nconst a = 1 < 2;\n```',
    );

    expect(blocks).toEqual([
      { type: 'heading', level: 2, children: [{ type: 'text', text: 'Steps' }] },
      {
        type: 'list',
        ordered: false,
        start: 1,
        items: [item('first'), item('second')],
      },
      { type: 'list', ordered: true, start: 1, items: [item('one'), item('two')] },
      { type: 'quote', children: [{ type: 'text', text: 'quoted' }] },
      { type: 'code', text: 'const a = 1 < 2;', language: 'ts' },
    ]);
  });

  test('caps deep headings at level 3 and treats an unclosed fence as code to the end', () => {
    expect(parseMarkdown('###### tiny\n```\nstill streaming')).toEqual([
      { type: 'heading', level: 3, children: [{ type: 'text', text: 'tiny' }] },
      { type: 'code', text: 'still streaming', language: '' },
    ]);
  });

  test('nests indented lists under their item and keeps the first number of an ordered list', () => {
    expect(parseMarkdown('3. three\n   - a\n   - b\n     1. deep\n4. four\n   wrapped line')).toEqual([
      {
        type: 'list',
        ordered: true,
        start: 3,
        items: [
          item('three', [
            {
              type: 'list',
              ordered: false,
              start: 1,
              items: [
                item('a'),
                item('b', [{ type: 'list', ordered: true, start: 1, items: [item('deep')] }]),
              ],
            },
          ]),
          {
            children: [
              { type: 'text', text: 'four' },
              { type: 'break' },
              { type: 'text', text: 'wrapped line' },
            ],
            sublists: [],
          },
        ],
      },
    ]);
  });

  test('keeps a loose list (blank lines between items) as one list, and splits bullets from numbers', () => {
    expect(parseMarkdown('- a\n\n- b\n1. c')).toEqual([
      { type: 'list', ordered: false, start: 1, items: [item('a'), item('b')] },
      { type: 'list', ordered: true, start: 1, items: [item('c')] },
    ]);
  });

  test('reads a pipe table with alignment, padding short rows and dropping extra cells', () => {
    const blocks = parseMarkdown(
      'Compare:\n| Service | Cost | Notes |\n|:--|--:|:-:|\n| Fargate | **per vCPU** | a \\| b |\n| EC2 | hourly |\n| x | y | z | extra |\nafter',
    );

    expect(blocks).toEqual([
      { type: 'paragraph', children: [{ type: 'text', text: 'Compare:' }] },
      {
        type: 'table',
        align: ['left', 'right', 'center'],
        header: [text('Service'), text('Cost'), text('Notes')],
        rows: [
          [
            text('Fargate'),
            [{ type: 'strong', children: [{ type: 'text', text: 'per vCPU' }] }],
            text('a | b'),
          ],
          [text('EC2'), text('hourly'), []],
          [text('x'), text('y'), text('z')],
        ],
      },
      { type: 'paragraph', children: [{ type: 'text', text: 'after' }] },
    ]);
  });

  test('a line with pipes but no delimiter row is just text', () => {
    expect(parseMarkdown('a | b\nc | d')).toEqual([
      {
        type: 'paragraph',
        children: [{ type: 'text', text: 'a | b' }, { type: 'break' }, { type: 'text', text: 'c | d' }],
      },
    ]);
  });
});

function text(value: string) {
  return [{ type: 'text', text: value }];
}

function item(value: string, sublists: unknown[] = []) {
  return { children: text(value), sublists };
}

describe('parseInline', () => {
  test('reads strong, emphasis, code spans and nested emphasis', () => {
    expect(parseInline('**bold _and em_** then `x*y*z` and *em*')).toEqual([
      {
        type: 'strong',
        children: [
          { type: 'text', text: 'bold ' },
          { type: 'emphasis', children: [{ type: 'text', text: 'and em' }] },
        ],
      },
      { type: 'text', text: ' then ' },
      { type: 'code', text: 'x*y*z' },
      { type: 'text', text: ' and ' },
      { type: 'emphasis', children: [{ type: 'text', text: 'em' }] },
    ]);
  });

  test('leaves underscores inside words and lone asterisks alone', () => {
    expect(parseInline('snake_case_name costs 2 * 3')).toEqual([
      { type: 'text', text: 'snake_case_name costs 2 * 3' },
    ]);
  });

  test('reads citations, alone and grouped', () => {
    expect(parseInline('Fargate [1] and ECS [2, 3].')).toEqual([
      { type: 'text', text: 'Fargate ' },
      { type: 'citation', number: 1 },
      { type: 'text', text: ' and ECS ' },
      { type: 'citation', number: 2 },
      { type: 'citation', number: 3 },
      { type: 'text', text: '.' },
    ]);
  });

  test('keeps http(s) and mailto links', () => {
    expect(parseInline('[docs](https://aws.amazon.com/fargate/)')).toEqual([
      { type: 'link', href: 'https://aws.amazon.com/fargate/', children: [{ type: 'text', text: 'docs' }] },
    ]);
  });

  test('keeps one level of parentheses inside a link target', () => {
    expect(parseInline('[ECS](https://en.wikipedia.org/wiki/ECS_(AWS)) rocks')).toEqual([
      {
        type: 'link',
        href: 'https://en.wikipedia.org/wiki/ECS_(AWS)',
        children: [{ type: 'text', text: 'ECS' }],
      },
      { type: 'text', text: ' rocks' },
    ]);
  });

  test.each([
    '[click](javascript:alert(1))',
    '[click](javascript:alert`1`)',
    '[click](JaVaScRiPt:alert(document.cookie))',
    '[click](data:text/html;base64,PHNjcmlwdD4=)',
    '[click](vbscript:msgbox)',
    '[click](/relative/path)',
  ])('turns the unsafe link %s into plain text', (source) => {
    const nodes = parseInline(source);

    expect(nodes).toEqual([{ type: 'text', text: 'click' }]);
  });

  test('keeps raw HTML as text', () => {
    const html = '<script>alert(1)</script><img src=x onerror="alert(1)">';

    expect(parseMarkdown(html)).toEqual([{ type: 'paragraph', children: [{ type: 'text', text: html }] }]);
  });
});

describe('toSafeHref', () => {
  test.each([
    ['https://example.com/a?b=1', 'https://example.com/a?b=1'],
    ['http://example.com', 'http://example.com/'],
    ['mailto:ops@example.com', 'mailto:ops@example.com'],
    ['java\tscript:alert(1)', undefined],
    [' javascript:alert(1)', undefined],
    ['data:text/html,<script>', undefined],
    ['//evil.example', undefined],
  ])('%j → %j', (raw, expected) => {
    expect(toSafeHref(raw)).toBe(expected);
  });
});
