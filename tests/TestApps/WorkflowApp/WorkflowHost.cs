using Dapr.Client;
using Dapr.Workflow;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace WorkflowApp;

/// <summary>
/// The app: the SDK's defaults only. As a process it reads DAPR_GRPC_PORT/DAPR_HTTP_PORT from its environment; in a
/// test process the same keys come as command-line configuration (<c>--DAPR_GRPC_PORT=…</c>), which the SDK reads
/// from <c>IConfiguration</c> exactly as it reads the environment.
/// </summary>
public static class WorkflowHost
{
    public static IHost Build(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddDaprClient();
        builder.Services.AddDaprWorkflow(options =>
        {
            options.RegisterWorkflow<ChainWorkflow>();
            options.RegisterWorkflow<DurableWorkflow>();
            options.RegisterWorkflow<EventWorkflow>();
            options.RegisterWorkflow<RetryWorkflow>();
            options.RegisterWorkflow<ParentWorkflow>();
            options.RegisterWorkflow<ContinueWorkflow>();
            options.RegisterWorkflow<FailingWorkflow>();
            options.RegisterWorkflow<TimerWorkflow>();
            options.RegisterWorkflow<NonDeterministicWorkflow>();
            options.RegisterWorkflow<FanOutWorkflow>();
            options.RegisterActivity<AddActivity>();
            options.RegisterActivity<EffectActivity>();
            options.RegisterActivity<FlakyActivity>();
            options.RegisterActivity<SlowActivity>();
        });
        return builder.Build();
    }
}
