// completion/complete for the plan_trip arguments and the city template's {name}.
import { citiesStartingWith } from './cities.ts';
import { CITY_TEMPLATE } from './resources.ts';
import { isObject, RPC_ERROR, RpcFailure } from './rpc.ts';

const DAY_CHOICES = ['1', '2', '3', '5', '7'];

/** The completion/complete result for `params`; unknown references are INVALID_PARAMS. */
export function complete(params: Record<string, unknown>): object {
  const { ref, argument } = params;
  if (!isObject(ref) || !isObject(argument) || typeof argument['name'] !== 'string') {
    throw new RpcFailure(RPC_ERROR.INVALID_PARAMS, 'ref and argument.name are required');
  }
  const prefix = typeof argument['value'] === 'string' ? argument['value'] : '';
  const values = candidates(ref, argument['name'], prefix);
  return { completion: { values, total: values.length, hasMore: false } };
}

function candidates(ref: Record<string, unknown>, argumentName: string, prefix: string): string[] {
  if (ref['type'] === 'ref/prompt' && ref['name'] === 'plan_trip') {
    if (argumentName === 'city') return citiesStartingWith(prefix).map((city) => city.name);
    if (argumentName === 'days') return DAY_CHOICES.filter((days) => days.startsWith(prefix));
    return [];
  }
  if (ref['type'] === 'ref/resource' && ref['uri'] === CITY_TEMPLATE && argumentName === 'name') {
    return citiesStartingWith(prefix).map((city) => city.slug);
  }
  throw new RpcFailure(RPC_ERROR.INVALID_PARAMS, 'Unknown completion reference');
}
