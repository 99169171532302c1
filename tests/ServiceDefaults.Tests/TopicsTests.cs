using Mtaeda.Contracts;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Contracts.Stations.V1;

namespace Mtaeda.ServiceDefaults.Tests;

/// <summary>Which topic an integration event travels on (<see cref="Topics.Of"/>), the rule every publisher follows.</summary>
public sealed class TopicsTests
{
    [Fact]
    public void Events_travel_on_their_context_topic_and_passage_batches_on_their_own()
    {
        Assert.Equal(Topics.Passages, Topics.Of(new PassagesRecorded()));
        Assert.Equal(Topics.Equipment, Topics.Of(new Mtaeda.Contracts.Equipment.V1.TurnstileLocked()));
        Assert.Equal(Topics.Equipment, Topics.Of(new CameraInstalled()));
        Assert.Equal(Topics.Stations, Topics.Of(new StationClosed()));
        Assert.Equal(Topics.Gateway, Topics.Of(new DeviceWentOffline()));
        Assert.Equal(Topics.Scheduling, Topics.Of(new Mtaeda.Contracts.Scheduling.V1.WorkOrderAssigned()));
        Assert.Equal(Topics.Maintenance, Topics.Of(new Mtaeda.Contracts.Maintenance.V1.MaintenanceRequired()));
    }

    [Fact]
    public void A_message_of_no_event_context_has_no_topic()
    {
        var error = Assert.Throws<ArgumentException>(() => Topics.Of(new EquipmentInfo()));

        Assert.Contains("mtaeda.common.v1.EquipmentInfo", error.Message, StringComparison.Ordinal);
    }
}
