/**
 * The proxy door: the gateway port, where Spring Cloud Gateway proxies. Two thin adapters run the decision engine's
 * steps around SCG's own route matching and answer refusals with the gateway's problem responses.
 */
package io.dualcore.gateway.proxy;
