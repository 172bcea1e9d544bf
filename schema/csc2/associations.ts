/** The CSC 2 association tables that link the hierarchy master_source ↔ stack_source ↔ observation_source. */
import { col } from '../column-helpers.js';
import type { TableDef } from '../types.js';

export const masterStackAssoc: TableDef = {
  schema: 'csc2',
  name: 'master_stack_assoc',
  description:
    'Associations between master sources and their stacked-observation detections (many-to-many; match_type ' +
    "'u' marks unique matches, 'a' ambiguous ones).",
  columns: [
    col('name', 'char', '', 'meta.id', 'Master source name (2CXO J...); join key to master_source.name', { principal: true, indexed: true, required: true, role: 'source-name' }),
    col('detect_stack_id', 'char', '', 'meta.id', 'Detect stack identifier; join key to stack_source', { principal: true, indexed: true, required: true }),
    col('region_id', 'int', '', 'meta.id', 'Detection region number in the stack; join key to stack_source', { principal: true, indexed: true, required: true }),
    col('match_type', 'char', '', 'meta.code', "Master/stack association type; 'u' marks a unique (unambiguous) match, 'a' an ambiguous one; public queries filter match_type = 'u'", { principal: true }),
  ],
  primaryKey: ['name', 'detect_stack_id', 'region_id'],
  indexes: [['detect_stack_id', 'region_id']],
  foreignKeys: [
    {
      id: 'csc2_master_stack_assoc_master',
      target: 'csc2.master_source',
      columns: [{ from: 'name', target: 'name' }],
      description: 'Master source of the association',
      enforced: true,
    },
    {
      id: 'csc2_master_stack_assoc_stack',
      target: 'csc2.stack_source',
      columns: [
        { from: 'detect_stack_id', target: 'detect_stack_id' },
        { from: 'region_id', target: 'region_id' },
      ],
      description: 'Stack detection of the association',
      enforced: true,
    },
  ],
  isCatalog: true,
};

export const stackObservationAssoc: TableDef = {
  schema: 'csc2',
  name: 'stack_observation_assoc',
  description: 'Associations between stacked-observation detections and the per-observation detections they combine.',
  columns: [
    col('detect_stack_id', 'char', '', 'meta.id', 'Detect stack identifier; join key to stack_source', { principal: true, indexed: true, required: true }),
    col('region_id', 'int', '', 'meta.id', 'Detection region number; joins to stack_source.region_id and observation_source.region_id', { principal: true, indexed: true, required: true }),
    col('obsid', 'int', '', 'meta.id;obs', 'Chandra ObsID; join key to observation_source', { principal: true, indexed: true, required: true }),
    col('obi', 'int', '', 'meta.id', 'Observation interval; join key to observation_source', { principal: true, indexed: true, required: true }),
  ],
  primaryKey: ['detect_stack_id', 'region_id', 'obsid', 'obi'],
  indexes: [['obsid', 'obi', 'region_id']],
  foreignKeys: [
    {
      id: 'csc2_stack_observation_assoc_stack',
      target: 'csc2.stack_source',
      columns: [
        { from: 'detect_stack_id', target: 'detect_stack_id' },
        { from: 'region_id', target: 'region_id' },
      ],
      description: 'Stack detection of the association',
      enforced: true,
    },
    {
      id: 'csc2_stack_observation_assoc_observation',
      target: 'csc2.observation_source',
      columns: [
        { from: 'obsid', target: 'obsid' },
        { from: 'obi', target: 'obi' },
        { from: 'region_id', target: 'region_id' },
      ],
      description: 'Per-observation detection of the association',
      enforced: true,
    },
  ],
  isCatalog: true,
};
