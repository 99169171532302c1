using Dapr.Workflow;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Passengers.V1;
using Mtaeda.Passengers.Actors;
using Mtaeda.Passengers.Api;
using Mtaeda.Passengers.Handlers;
using Mtaeda.Passengers.Infrastructure;
using Mtaeda.Passengers.Workflows;
using Mtaeda.ServiceDefaults;
using IdentificationClient = Mtaeda.Contracts.Identification.V1.Identification.IdentificationClient;
using PassengersClient = Mtaeda.Contracts.Passengers.V1.Passengers.PassengersClient;

namespace Microsoft.Extensions.Hosting;

/// <summary>The passengers service's parts, for its <c>Program.cs</c> and for the tests that host it.</summary>
public static class PassengersExtensions
{
    /// <summary>The port the app listens on when <c>APP_PORT</c> is not set.</summary>
    public const int DefaultAppPort = 5111;

    /// <summary>
    /// The app port (h2c, <c>APP_PORT</c>, default <see cref="DefaultAppPort"/>), the Passenger actor, the options (checked at
    /// start), the payment provider (the development one, which answers through this app's own API), a client of identification through the sidecar, the top-up
    /// workflow with its activities (Dapr Workflow, served by the sidecar's workflow engine), and gRPC with JSON transcoding.
    /// </summary>
    /// <param name="builder">The app builder.</param>
    /// <returns>The same builder.</returns>
    public static WebApplicationBuilder AddPassengers(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        builder.ListenOnAppPort(DefaultAppPort);
        var options = configuration.GetSection(PassengersOptions.SectionName).Get<PassengersOptions>() ?? new PassengersOptions();
        options.Validate();
        builder.Services.AddSingleton(options);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddActors(actors =>
        {
            actors.Actors.RegisterActor<PassengerActor>(PassengerActor.TypeName);
            actors.UseSidecar(configuration);
        });
        builder.Services.AddSingleton<PassengerActors>();
        builder.Services.TryAddSingleton<IPaymentProvider, DevelopmentPaymentProvider>();
        builder.Services.AddSingleton(_ => new IdentificationClient(DaprSidecar.InvokerFor(configuration, "identification")));
        builder.Services.AddSingleton(_ => new PassengersClient(DaprSidecar.InvokerFor(configuration, "passengers")));
        builder.Services.AddDaprWorkflow(workflows =>
        {
            workflows.RegisterWorkflow<TopUpWorkflow>();
            workflows.RegisterActivity<RecordTopUpActivity>();
            workflows.RegisterActivity<RequestPaymentMethodActivity>();
            workflows.RegisterActivity<CompleteTopUpActivity>();
            workflows.RegisterActivity<FailTopUpActivity>();
        });
        builder.AddGrpcApi();
        return builder;
    }

    /// <summary>The actor endpoints and the <c>mtaeda.passengers.v1.Passengers</c> API (gRPC and HTTP JSON).</summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapPassengersApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapDaprActors();
        app.MapGrpcService<PassengersApi>().RequireDapr();
        return app;
    }

    /// <summary>The provider's answers about payment methods (<see cref="PaymentMethodUpdated"/> on <c>passengers</c>), which let the waiting top-ups go on.</summary>
    /// <param name="app">The app.</param>
    /// <returns>The same app.</returns>
    public static WebApplication MapPassengersEventHandlers(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapEventHandler<PaymentMethodUpdated, PaymentMethodUpdatedHandler>(Topics.Passengers);
        return app;
    }
}
