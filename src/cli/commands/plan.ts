import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { processEnv } from '../../config.js';
import { InvalidInputError } from '../../errors.js';
import { COST_RATE_FLAGS, type CostRates, DEFAULT_COST_RATES } from '../../plan/cost-rates.js';
import { estimatePlan, type PlanEstimateOptions } from '../../plan/estimate-plan.js';
import { reportCommandError } from '../cli-error.js';
import { type TargetArgs, withCloudOptions, withTargetOptions } from '../cli-options.js';
import { formatEstimate } from '../format-estimate.js';
import { openTarget, runStoreOf } from '../open-target.js';
import { readTaskFile } from '../read-task-file.js';

interface PlanArgs extends TargetArgs {
  task: string;
  bucket?: string;
  views: number;
  workerVcpus: number;
  workerMemoryGib: number;
  submitterMemoryGib: number;
  [flag: string]: unknown;
}

/** `iiif-batch plan TASK`: what a run will publish and cost, before it runs. */
export const planCommand: CommandModule<object, PlanArgs> = {
  command: 'plan <task>',
  describe: 'Plan a task as the submitter would (nothing is written) and estimate objects, bytes, requests and cost',
  builder: (yargs: Argv) => {
    let built = withCloudOptions(withTargetOptions(yargs))
      .positional('task', { type: 'string', demandOption: true, describe: 'Path of the task file (JSON)' })
      .option('bucket', { type: 'string', describe: 'Task bucket (default: IIIF_BATCH_TASK_BUCKET)', group: 'AWS:' })
      .option('views', { type: 'number', default: 1000, describe: 'Image views to price CloudFront egress for' })
      .option('worker-vcpus', {
        type: 'number',
        default: 2,
        describe: 'vCPUs of a shard worker job (the stack default)',
      })
      .option('worker-memory-gib', { type: 'number', default: 4, describe: 'Memory of a shard worker job, GiB' })
      .option('submitter-memory-gib', { type: 'number', default: 1, describe: 'Memory of the submitter Lambda, GiB' });
    for (const [name, flag] of Object.entries(COST_RATE_FLAGS)) {
      built = built.option(flag, {
        type: 'number',
        default: DEFAULT_COST_RATES[name as keyof CostRates],
        describe: 'USD (see README: rates and their date)',
        group: 'Rates:',
      });
    }
    return built
      .epilog(
        'Lists ACCESS_DIR, counts pages, groups items, checks the CSV and plans shards exactly as a run does, reads the ' +
          'headers of up to 200 images for their pixel size, and estimates the rest. Rates are AWS list prices (us-east-1) ' +
          'as of the date in the README; override any with its flag. Exit status: 0 planned, 2 bad task, listing or CSV.',
      )
      .example('$0 plan examples/task.json --local-root examples/data', 'The example collection')
      .example(
        '$0 plan task.json --views 100000 --json',
        'On AWS, pricing 100,000 image views',
      ) as unknown as Argv<PlanArgs>;
  },
  handler: async (argv: ArgumentsCamelCase<PlanArgs>) => {
    try {
      const options = planOptions(argv);
      const task = await readTaskFile(argv.task);
      const target = await openTarget(argv, processEnv());
      const storage = target.kind === 'local' ? target.storage : target.aws.storage;
      const estimate = await estimatePlan({ storage, runStore: runStoreOf(target) }, { task, options });
      if (argv.json) process.stdout.write(`${JSON.stringify({ ...estimate, rates: options.rates })}\n`);
      else
        process.stdout.write(
          `Plan of ${task.jobName} (${task.collectionId}): nothing written\n\n${formatEstimate(estimate)}`,
        );
    } catch (error) {
      reportCommandError(error, argv.json);
    }
  },
};

function planOptions(argv: ArgumentsCamelCase<PlanArgs>): PlanEstimateOptions {
  const number = (flag: string, value: unknown, positive = false): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
      throw new InvalidInputError(
        `Expected a ${positive ? 'positive' : 'non-negative'} number for --${flag} but received ${String(value)}`,
        { field: flag },
      );
    }
    return value;
  };
  const rates = Object.fromEntries(
    Object.entries(COST_RATE_FLAGS).map(([name, flag]) => [name, number(flag, argv[flag])]),
  ) as unknown as CostRates;
  return {
    views: number('views', argv.views),
    workerVcpus: number('worker-vcpus', argv.workerVcpus, true),
    workerMemoryGib: number('worker-memory-gib', argv.workerMemoryGib, true),
    submitterMemoryGib: number('submitter-memory-gib', argv.submitterMemoryGib, true),
    rates,
  };
}
