/** A cited passage: the chunk of a document an answer's source points at. */
export interface PassageRef {
  readonly documentId: string;
  readonly chunkId: string;
  /** The PDF page the passage is on. */
  readonly page: number | undefined;
}

/** Marks a link as opening `passage`: PassageView opens any link carrying these data attributes. */
export function passageLinkData(link: HTMLAnchorElement, passage: PassageRef): void {
  link.dataset.documentId = passage.documentId;
  link.dataset.chunkId = passage.chunkId;
}
