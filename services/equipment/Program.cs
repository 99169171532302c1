using Mtaeda.Equipment;

await EquipmentApp.Build(args).RunAsync();

namespace Mtaeda.Equipment
{
    using Mtaeda.Equipment.Api;
    using Mtaeda.Equipment.Handlers;

    /// <summary>The equipment service: turnstiles and cameras as Dapr actors behind a gRPC API.</summary>
    public static class EquipmentApp
    {
        /// <summary>Builds the app (tests start it beside a sidecar of the local runtime).</summary>
        /// <param name="args">Command-line arguments; also configuration (<c>--APP_PORT=5102</c>, <c>--DAPR_HTTP_PORT=3502</c>).</param>
        /// <returns>The app, not started.</returns>
        public static WebApplication Build(string[] args)
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ApplicationName = typeof(EquipmentApp).Assembly.GetName().Name });
            builder.AddServiceDefaults();
            builder.ListenOnAppPort();
            builder.AddEquipmentServices();

            var app = builder.Build();
            app.MapDefaultEndpoints();
            app.MapActorsHandlers().RequireDapr();
            app.MapGrpcService<EquipmentService>().RequireDapr();
            app.MapEquipmentEventHandlers();
            return app;
        }
    }
}
