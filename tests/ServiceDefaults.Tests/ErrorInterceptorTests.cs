using System.Runtime.Serialization;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Testing;

namespace Mtaeda.ServiceDefaults.Tests;

public sealed class ErrorInterceptorTests
{
    private readonly ErrorInterceptor interceptor = new(NullLogger<ErrorInterceptor>.Instance);

    private Task<string> CallAsync(Exception thrown) =>
        interceptor.UnaryServerHandler<string, string>("request", new FakeServerCallContext(), (_, _) => throw thrown);

    [Fact]
    public async Task A_refused_command_from_a_domain_rule_is_FailedPrecondition_with_its_reason_and_ids()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            CallAsync(DomainRefusalException.Refused(ErrorReason.StationClosed, "station 'st-1' is closed", ("station_id", "st-1"))));

        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal(ErrorReason.StationClosed, Errors.ReasonOf(e));
        Assert.Equal("station 'st-1' is closed", e.Status.Detail);
        var info = e.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal("st-1", info.Metadata["station_id"]);
    }

    [Fact]
    public async Task Bad_input_from_a_domain_rule_is_InvalidArgument_naming_the_field()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => CallAsync(DomainRefusalException.Invalid("address.city", "is required")));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var violation = Assert.Single(Errors.FieldViolationsOf(e));
        Assert.Equal("address.city", violation.Field);
        Assert.Equal("is required", violation.Description);
        Assert.Equal("address.city is required", e.Status.Detail);
    }

    [Fact]
    public async Task Unknown_and_taken_ids_from_a_domain_rule_are_NotFound_and_AlreadyExists()
    {
        var missing = await Assert.ThrowsAsync<RpcException>(() => CallAsync(DomainRefusalException.NotFound("work_order_id", "no work order 'wo-1'")));
        var taken = await Assert.ThrowsAsync<RpcException>(() => CallAsync(DomainRefusalException.AlreadyExists("station_id", "station 'st-1' is registered with other values")));

        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Equal("no work order 'wo-1'", missing.Status.Detail);
        Assert.Equal(StatusCode.AlreadyExists, taken.StatusCode);
    }

    [Fact]
    public async Task Any_other_failure_is_Unavailable()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => CallAsync(new InvalidOperationException("store down")));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
    }

    [Fact]
    public void A_refusal_crosses_an_actor_boundary_intact()
    {
        var refusal = DomainRefusal.Refused(ErrorReason.WorkOrderCancelled, "work order 'wo-1' is cancelled", ("work_order_id", "wo-1"));
        var serializer = new DataContractSerializer(typeof(DomainRefusal));
        using var stream = new MemoryStream();
        serializer.WriteObject(stream, refusal);
        stream.Position = 0;

        var read = Assert.IsType<DomainRefusal>(serializer.ReadObject(stream));

        Assert.Equal((refusal.Kind, refusal.Detail, refusal.Field, refusal.Reason), (read.Kind, read.Detail, read.Field, read.Reason));
        Assert.Equal("wo-1", read.Metadata!["work_order_id"]);
    }
}
