/**
 * The renderer's data layer: one API object (preload or HTTP) and react-query
 * hooks derived from the contract's channel names, so no channel is paired by
 * hand. Copy-job events are folded into the `copy.list` query.
 */
import { useMutation, useQuery, useQueryClient, type UseQueryOptions } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { Channel, CopyJobView, RequestOf, ResponseOf } from '../../shared/contract';
import { createJobWitness, mergeJobs } from './job-views';
import { createApi } from './transport';

export const api = createApi();
const jobWitness = createJobWitness();

export function useCall<C extends Channel>(channel: C, request: RequestOf<C> | undefined, options: Partial<UseQueryOptions<ResponseOf<C>>> = {}) {
  return useQuery<ResponseOf<C>>({
    queryKey: [channel, request],
    // A query left before its answer (another repository clicked) is cancelled down to the registry.
    queryFn: ({ signal }) => api.call(channel, request as RequestOf<C>, { signal }),
    enabled: request !== undefined,
    staleTime: 30_000,
    ...options,
  });
}

/**
 * A call that changes something, then refreshes the queries it affects:
 * `invalidates` are asked again while their answers stay on screen, `resets`
 * lose their answers first (after a change of credentials, what the old ones
 * could read must not stay on screen while the new ones are asked).
 */
export function useAction<C extends Channel>(channel: C, invalidates: readonly Channel[] = [], resets: readonly Channel[] = []) {
  const client = useQueryClient();
  return useMutation<ResponseOf<C>, Error, RequestOf<C>>({
    mutationFn: (request) => api.call(channel, request),
    onSuccess: () => {
      for (const key of invalidates) void client.invalidateQueries({ queryKey: [key] });
      for (const key of resets) void client.resetQueries({ queryKey: [key] });
    },
  });
}

/** Keeps `copy.list` current from `copy.updated` events, and asks again after the event stream reconnects. */
export function useCopyJobs(): CopyJobView[] {
  const client = useQueryClient();
  const key = ['copy.list', {}];
  const jobs = useQuery<CopyJobView[]>({
    queryKey: key,
    queryFn: ({ signal }) => jobWitness.list(() => api.call('copy.list', {}, { signal }), () => client.getQueryData<CopyJobView[]>(key) ?? []),
    staleTime: Infinity,
  });
  useEffect(() => {
    const stopUpdates = api.on('copy.updated', (job) => {
      jobWitness.saw(job.id);
      client.setQueryData<CopyJobView[]>(['copy.list', {}], (old = []) => mergeJobs(old, [job]));
    });
    // Updates sent while the event stream was down are lost: ask for the list again.
    const stopReconnects = api.onReconnect(() => void client.invalidateQueries({ queryKey: ['copy.list'] }));
    return () => {
      stopUpdates();
      stopReconnects();
    };
  }, [client]);
  return jobs.data ?? [];
}
