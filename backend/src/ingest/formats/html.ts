import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { type ExtractedDocument, joinSections } from './extracted-document';
import { htmlToPieces } from './html-sections';

/** Page furniture dropped when Readability finds no article and the whole body is used. */
const FURNITURE = 'script, style, noscript, template, nav, header, footer, aside, form, iframe';

/**
 * A web page's main content: Readability picks the article (navigation, scripts, styles and side
 * bars dropped); a page too short for it to judge falls back to the body without page furniture.
 */
export function extractHtml(html: string): ExtractedDocument {
  const { document } = parseHTML(html);
  const pageTitle = document.querySelector('title')?.textContent?.trim() || undefined;
  const article = new Readability(
    document.cloneNode(true) as unknown as ConstructorParameters<typeof Readability>[0],
    { charThreshold: 200 },
  ).parse();
  let main = article?.content ?? '';
  if (htmlToPieces(main).length === 0) {
    for (const element of Array.from(document.querySelectorAll(FURNITURE)) as { remove(): void }[])
      element.remove();
    main = document.body?.innerHTML ?? '';
  }
  const title = article?.title?.trim() || pageTitle;
  return { format: 'html', title, ...joinSections(htmlToPieces(main)) };
}
