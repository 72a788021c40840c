export const bedrock = {
  slug: 'bedrock',
  title: 'Calling foundation models with Amazon Bedrock',
  topic: 'bedrock',
  content: `# Amazon Bedrock

Amazon Bedrock serves foundation models from several providers behind one API, billed per token, with
no GPUs to manage. Requests stay in the AWS Region you call, and your prompts are not used to train the
models.

Two operations cover most applications. **InvokeModel** sends a model-specific JSON body; embedding
models such as Titan Text Embeddings V2 are called this way, one text per request. **Converse** and its
streaming twin **ConverseStream** accept the same message format for every chat model, so switching from
one model to another is a configuration change rather than a rewrite. The streaming variant returns the
answer as a sequence of small text deltas that an application can forward to the browser as they arrive.

Bedrock enforces quotas on requests and tokens per minute. When a caller exceeds them the service answers
with a throttling error. Clients should retry with exponential backoff and random jitter, give up after
a time budget, and report a temporary failure to their own callers rather than hanging. Errors can also
arrive in the middle of a stream, after some text was already sent, and must be handled there.

Access is controlled with IAM: a task role that may call \`bedrock:InvokeModel\` on the specific model
ARNs it needs, and nothing else.
`,
};
