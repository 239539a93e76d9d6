/**
 * The parts of Envoy's configuration a rate-limit rule writes, with Envoy's own field names (proto
 * JSON, snake_case as Envoy and Istio's EnvoyFilter examples spell them). An EnvoyFilter's patch
 * value is opaque to Istio's schema (preserve-unknown-fields), so these types are what stands
 * between a typo and a sidecar that rejects its listener.
 *
 * - envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
 * - envoy.extensions.filters.http.ratelimit.v3.RateLimit
 * - envoy.config.route.v3.RateLimit (a route's `rate_limits`)
 * - the envoyproxy/ratelimit service's configuration file (domain and descriptors)
 */

export const LOCAL_RATELIMIT_FILTER = 'envoy.filters.http.local_ratelimit';
export const GLOBAL_RATELIMIT_FILTER = 'envoy.filters.http.ratelimit';
export const HTTP_CONNECTION_MANAGER = 'envoy.filters.network.http_connection_manager';
export const ROUTER_FILTER = 'envoy.filters.http.router';

export const LOCAL_RATELIMIT_TYPE =
  'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
export const GLOBAL_RATELIMIT_TYPE =
  'type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit';

/** envoy.type.v3.FractionalPercent */
interface FractionalPercent {
  numerator: number;
  denominator: 'HUNDRED' | 'TEN_THOUSAND' | 'MILLION';
}

/** envoy.config.core.v3.RuntimeFractionalPercent */
export interface RuntimeFractionalPercent {
  runtime_key: string;
  default_value: FractionalPercent;
}

/** envoy.type.v3.TokenBucket; fill_interval is a proto Duration ("1s", "60s"). */
export interface TokenBucket {
  max_tokens: number;
  tokens_per_fill: number;
  fill_interval: string;
}

/** envoy.config.core.v3.HeaderValueOption */
interface HeaderValueOption {
  header: { key: string; value: string };
  append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' | 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT';
}

/** envoy.type.v3.HttpStatus (the code is an enum of HTTP statuses; proto JSON takes its number). */
interface HttpStatus {
  code: number;
}

/** envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor */
interface LocalRateLimitDescriptor {
  entries: { key: string; value: string }[];
  token_bucket: TokenBucket;
}

/** envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit */
export interface LocalRateLimit {
  '@type': typeof LOCAL_RATELIMIT_TYPE;
  stat_prefix: string;
  token_bucket?: TokenBucket;
  filter_enabled?: RuntimeFractionalPercent;
  filter_enforced?: RuntimeFractionalPercent;
  status?: HttpStatus;
  response_headers_to_add?: HeaderValueOption[];
  descriptors?: LocalRateLimitDescriptor[];
}

/** envoy.extensions.filters.http.ratelimit.v3.RateLimit */
export interface GlobalRateLimit {
  '@type': typeof GLOBAL_RATELIMIT_TYPE;
  domain: string;
  failure_mode_deny: boolean;
  timeout: string;
  rate_limit_service: {
    grpc_service: { envoy_grpc: { cluster_name: string } };
    transport_api_version: 'V3';
  };
  rate_limited_status?: HttpStatus;
  filter_enabled?: RuntimeFractionalPercent;
  filter_enforced?: RuntimeFractionalPercent;
}

/** envoy.type.matcher.v3.StringMatcher, the two kinds the form uses. */
type StringMatcher = { exact: string } | { prefix: string };

/** envoy.config.route.v3.HeaderMatcher */
export interface HeaderMatcher {
  name: string;
  string_match: StringMatcher;
}

/** envoy.config.route.v3.RateLimit.Action, the two kinds the console writes. */
export type RateLimitAction =
  | { generic_key: { descriptor_key: string; descriptor_value: string } }
  | {
      header_value_match: {
        descriptor_key: string;
        descriptor_value: string;
        expect_match: boolean;
        headers: HeaderMatcher[];
      };
    };

/** envoy.config.route.v3.RateLimit */
export interface RouteRateLimit {
  actions: RateLimitAction[];
}

/** The envoyproxy/ratelimit service's configuration: one domain, its descriptors. */
export interface RateLimitServiceConfig {
  domain: string;
  descriptors: {
    key: string;
    value: string;
    rate_limit: { unit: 'second' | 'minute' | 'hour' | 'day'; requests_per_unit: number };
    shadow_mode?: boolean;
  }[];
}

/** The descriptor key the console's actions and descriptors use: its value is the rule's name. */
export const DESCRIPTOR_KEY = 'mesh-console-rule';

export const percent = (runtimeKey: string, on: boolean): RuntimeFractionalPercent => ({
  runtime_key: runtimeKey,
  default_value: { numerator: on ? 100 : 0, denominator: 'HUNDRED' },
});

/** Whether a RuntimeFractionalPercent is on by default (absent means on, as Envoy reads it). */
export function isOn(p: RuntimeFractionalPercent | undefined): boolean {
  if (!p) return true;
  return (p.default_value?.numerator ?? 0) > 0;
}
