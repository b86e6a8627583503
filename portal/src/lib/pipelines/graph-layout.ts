import { layerOf, producerOf, type JobSpec, type Layer, type OperatorInfo, type PipelineDocument } from './document.ts';

/** A box on the canvas: a job, or a dataset the pipeline reads but does not write (a source). */
export interface GraphNode {
  id: string;
  kind: 'job' | 'source';
  column: 'sources' | Layer;
  label: string;
  detail: string;
  x: number;
  y: number;
  job?: JobSpec;
}

/** An arrow: `dataset` flows from one node to another (or, for dependsOn, an ordering without data). */
export interface GraphEdge {
  from: string;
  to: string;
  dataset?: string;
}

export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 64;
const COLUMN_GAP = 80;
const ROW_GAP = 28;
const PADDING = 24;
export const COLUMNS = ['sources', 'bronze', 'silver', 'gold'] as const;

const sourceId = (dataset: string) => `dataset:${dataset}`;

/** Where a job stands: the layer its output is in, else its operator's category, else silver. */
function columnOf(job: JobSpec, operators: readonly OperatorInfo[]): Layer {
  const category = operators.find((operator) => operator.type === job.operator)?.category;
  return layerOf(job.output) ?? layerOf(`${category}.x`) ?? 'silver';
}

/**
 * Lays the pipeline out in columns by layer (sources, Bronze, Silver, Gold), in document order within a column,
 * with an edge for every input a job of the pipeline writes (or a source otherwise) and every dependsOn.
 */
export function layoutGraph(
  document: PipelineDocument,
  operators: readonly OperatorInfo[],
): { nodes: GraphNode[]; edges: GraphEdge[]; width: number; height: number } {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const rows = new Map<string, number>(COLUMNS.map((column) => [column, 0]));
  const place = (node: Omit<GraphNode, 'x' | 'y'>) => {
    const row = rows.get(node.column)!;
    rows.set(node.column, row + 1);
    const x = PADDING + COLUMNS.indexOf(node.column) * (NODE_WIDTH + COLUMN_GAP);
    nodes.push({ ...node, x, y: PADDING + 28 + row * (NODE_HEIGHT + ROW_GAP) });
  };
  const sources = new Set<string>();
  for (const job of document.spec.jobs) {
    for (const input of job.inputs ?? []) {
      const producer = producerOf(document, input);
      if (producer === undefined && !sources.has(input)) {
        sources.add(input);
        place({ id: sourceId(input), kind: 'source', column: 'sources', label: input, detail: 'dataset' });
      }
      edges.push({ from: producer?.id ?? sourceId(input), to: job.id, dataset: input });
    }
    for (const dependency of job.dependsOn ?? []) edges.push({ from: dependency, to: job.id });
  }
  for (const job of document.spec.jobs) {
    place({
      id: job.id,
      kind: 'job',
      column: columnOf(job, operators),
      label: job.id,
      detail: `${job.operator}${job.output === undefined ? '' : ` → ${job.output}`}`,
      job,
    });
  }
  const tallest = Math.max(1, ...rows.values());
  return {
    nodes,
    edges: edges.filter((edge) => nodes.some((node) => node.id === edge.from)),
    width: PADDING * 2 + COLUMNS.length * NODE_WIDTH + (COLUMNS.length - 1) * COLUMN_GAP,
    height: PADDING * 2 + 28 + tallest * (NODE_HEIGHT + ROW_GAP),
  };
}

/** The column headings' x positions, for the canvas. */
export const columnX = (column: (typeof COLUMNS)[number]) =>
  PADDING + COLUMNS.indexOf(column) * (NODE_WIDTH + COLUMN_GAP);
