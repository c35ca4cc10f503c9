package io.spinestream.common.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/**
 * What every service's {@code /metrics} has besides its own meters: JVM heap and threads, CPU, uptime, the
 * process's resident memory ({@link ProcessMemoryMetrics}) and the pipeline flow ({@link PipelineFlowMetrics}:
 * records in and out per topic, dead letters, consumer lag, record latency).
 */
public final class ServiceMetrics {
  private ServiceMetrics() {}

  /** Binds the common meters; call {@link PipelineFlowMetrics#refresh()} on the result before each scrape. */
  public static PipelineFlowMetrics bindTo(MeterRegistry registry) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new ProcessMemoryMetrics().bindTo(registry);
    return new PipelineFlowMetrics(registry);
  }
}
