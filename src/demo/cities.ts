// A fixed table so the demo's answers are deterministic and need no network.

export interface City {
  readonly slug: string;
  readonly name: string;
  readonly country: string;
  readonly population: number;
  readonly timeZone: string;
}

export const CITIES: readonly City[] = [
  {
    slug: 'amsterdam',
    name: 'Amsterdam',
    country: 'Netherlands',
    population: 931_000,
    timeZone: 'Europe/Amsterdam',
  },
  { slug: 'berlin', name: 'Berlin', country: 'Germany', population: 3_878_000, timeZone: 'Europe/Berlin' },
  { slug: 'lisbon', name: 'Lisbon', country: 'Portugal', population: 567_000, timeZone: 'Europe/Lisbon' },
  { slug: 'nairobi', name: 'Nairobi', country: 'Kenya', population: 4_397_000, timeZone: 'Africa/Nairobi' },
  { slug: 'paris', name: 'Paris', country: 'France', population: 2_103_000, timeZone: 'Europe/Paris' },
  {
    slug: 'san-francisco',
    name: 'San Francisco',
    country: 'United States',
    population: 808_000,
    timeZone: 'America/Los_Angeles',
  },
  {
    slug: 'sydney',
    name: 'Sydney',
    country: 'Australia',
    population: 5_450_000,
    timeZone: 'Australia/Sydney',
  },
  { slug: 'tokyo', name: 'Tokyo', country: 'Japan', population: 14_094_000, timeZone: 'Asia/Tokyo' },
];

/** The city whose name or slug matches `query`, ignoring case and surrounding space. */
export function findCity(query: string): City | undefined {
  const wanted = query.trim().toLowerCase();
  return CITIES.find((city) => city.slug === wanted || city.name.toLowerCase() === wanted);
}

/** Slugs or names starting with `prefix` (case-insensitive), in table order. */
export function citiesStartingWith(prefix: string): readonly City[] {
  const wanted = prefix.trim().toLowerCase();
  return CITIES.filter((city) => city.slug.startsWith(wanted) || city.name.toLowerCase().startsWith(wanted));
}
