using Dapr.Workflow;
using Grpc.Core;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Passengers.V1;
using Mtaeda.Passengers.Workflows;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Passengers.Handlers;

/// <summary>
/// The provider answered about a payment method (<see cref="PaymentMethodUpdated"/>, raised by the passenger's actor): each
/// top-up that waited for it is told, by the external event <see cref="TopUpWorkflow.PaymentMethodUpdated"/> on its
/// workflow (the book's "the top-up service completes pending top-ups"). A repeat raises the event again, which a workflow
/// that took it already ignores.
/// </summary>
/// <param name="workflows">The workflow client.</param>
/// <param name="logger">The logger.</param>
public sealed partial class PaymentMethodUpdatedHandler(DaprWorkflowClient workflows, ILogger<PaymentMethodUpdatedHandler> logger) : IEventHandler<PaymentMethodUpdated>
{
    /// <inheritdoc />
    public async Task HandleAsync(PaymentMethodUpdated updated, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(updated);
        if (!Ids.IsValid(updated.PassengerId)) throw new InvalidEventException($"passenger_id {Ids.Rule}");
        foreach (var topUpId in updated.TopUpIds)
        {
            if (!Ids.IsValid(topUpId)) throw new InvalidEventException($"top_up_ids {Ids.Rule}");
            try
            {
                await workflows.RaiseEventAsync(TopUpWorkflow.InstanceId(topUpId), TopUpWorkflow.PaymentMethodUpdated, new PaymentMethodAnswer(updated.Accepted), cancellationToken);
            }
            catch (RpcException e) when (WorkflowErrors.IsNoSuchInstance(e))
            {
                LogNoInstance(topUpId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PaymentMethodUpdated for top-up {TopUpId}: no top-up workflow waits for it")]
    private partial void LogNoInstance(string topUpId);
}
