// GitHub's own workflow parser and expression evaluator, re-exported so build.mjs can bundle them as
// CommonJS; load them through ./load.ts.
export { data, Evaluator, Lexer, Parser } from '@actions/expressions';
export { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
export { parseAction } from '@actions/workflow-parser/actions/index';
export { ensureStatusFunction } from '@actions/workflow-parser/model/converter/if-condition';
