// The demo's one prompt, with a required and an optional argument so clients can exercise both.
import { findCity } from './cities.ts';
import { RPC_ERROR, RpcFailure } from './rpc.ts';

const PLAN_TRIP = {
  name: 'plan_trip',
  title: 'Plan a city trip',
  description: 'Asks the model for a short itinerary in one of the demo cities.',
  arguments: [
    { name: 'city', description: 'City to visit (see the lookup_city tool).', required: true },
    { name: 'days', description: 'Length of the stay in days (default 2).', required: false },
  ],
} as const;

/** Definitions as prompts/list returns them. */
export function listPrompts(): readonly object[] {
  return [PLAN_TRIP];
}

/** The prompts/get result; unknown prompts and bad arguments are INVALID_PARAMS, as the spec asks. */
export function getPrompt(name: string, args: Record<string, unknown>): object {
  if (name !== PLAN_TRIP.name) throw new RpcFailure(RPC_ERROR.INVALID_PARAMS, `Unknown prompt: ${name}`);
  const cityArg = args['city'];
  if (typeof cityArg !== 'string' || cityArg.trim() === '') {
    throw new RpcFailure(RPC_ERROR.INVALID_PARAMS, 'Missing required argument: city');
  }
  const daysArg = args['days'] ?? '2';
  const days = typeof daysArg === 'string' ? Number.parseInt(daysArg, 10) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > 30) {
    throw new RpcFailure(RPC_ERROR.INVALID_PARAMS, 'days must be a whole number from 1 to 30');
  }
  const city = findCity(cityArg)?.name ?? cityArg.trim();
  return {
    description: `A ${days}-day trip to ${city}`,
    messages: [
      {
        role: 'user',
        content: {
          type: 'text',
          text: `Plan a ${days}-day trip to ${city}. Suggest one neighbourhood to stay in and one sight per day.`,
        },
      },
    ],
  };
}
