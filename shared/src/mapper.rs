//! The full-interaction mapper (CONTRACT 3.3): a pure function from the joined row to the
//! analytics shape. Every nested object is always present; a missing reference keeps its id
//! as stored and nulls the looked-up fields, except `result.name`, which is `""`.

use crate::models::{
    AgentRef, CampaignRef, Client, CutOrigin, FullInteraction, FullInteractionRow, ManagementResult, TerminationCause,
};

pub fn full_interaction(row: FullInteractionRow) -> FullInteraction {
    FullInteraction {
        id: row.id,
        started_at: row.started_at,
        crm_id: row.crm_id,
        client: Client { id: row.client_id, name: row.client_name, phone_number_id: row.phone_number_id },
        dnis: row.dnis,
        ani: row.ani,
        result: ManagementResult {
            id: row.result_id,
            code: row.result_code,
            name: row.result_name.unwrap_or_default(),
        },
        termination_cause: TerminationCause {
            id: row.termination_cause_id,
            description: row.termination_cause_description,
            default_score: row.termination_cause_default_score,
            default_time: row.termination_cause_default_time,
        },
        q850_cause_id: row.q850_cause_id,
        cut_origin: CutOrigin { id: row.cut_origin_id, description: row.cut_origin_description },
        campaign: CampaignRef { id: row.campaign_id, name: row.campaign_name, mode: row.campaign_mode },
        agent: AgentRef {
            id: row.agent_id,
            name: row.agent_name,
            group_id: row.agent_group_id,
            group_name: row.agent_group_name,
            supervisor_id: row.agent_supervisor_id,
            supervisor_name: row.agent_supervisor_name,
        },
        segments: row.segments,
        context: row.context,
        message_id: row.message_id,
        case_id: row.case_id,
        closed_by_max_acw_time: row.closed_by_max_acw_time,
        duration: row.duration,
        task_id: row.task_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timestamp::Timestamp;

    /// The seed's interaction with every lookup found (the demo data).
    fn seed_row() -> FullInteractionRow {
        FullInteractionRow {
            id: "210614222408193_ACD_00001".into(),
            started_at: Some(Timestamp::parse("2021-06-15T01:24:08.193Z").unwrap()),
            crm_id: None,
            client_id: None,
            client_name: None,
            phone_number_id: Some(0),
            dnis: None,
            ani: None,
            result_id: None,
            result_code: None,
            result_name: None,
            termination_cause_id: Some(27),
            termination_cause_description: Some("Se contacta con el operador".into()),
            termination_cause_default_score: Some(1000),
            termination_cause_default_time: Some(0),
            q850_cause_id: Some(136),
            cut_origin_id: Some(0),
            cut_origin_description: Some("Agente".into()),
            campaign_id: Some(1),
            campaign_name: Some("VoiceBot".into()),
            campaign_mode: Some("Piloto".into()),
            agent_id: Some(3),
            agent_name: Some("inno1".into()),
            agent_group_id: Some(1),
            agent_group_name: Some("InnoGroup".into()),
            agent_supervisor_id: Some(8),
            agent_supervisor_name: Some("ippad1".into()),
            segments: Some(1),
            context: None,
            message_id: Some(0),
            case_id: Some(0),
            closed_by_max_acw_time: None,
            duration: Some(18631194),
            task_id: Some(0),
        }
    }

    #[test]
    fn maps_the_seed_interaction_to_the_contract_bytes() {
        let json = serde_json::to_string(&full_interaction(seed_row())).unwrap();
        // The same bytes the contract and smoke tests expect from the API.
        assert_eq!(json, include_str!("../../tests/contract/fixtures/full-interaction-seed.json"));
    }

    #[test]
    fn result_name_is_empty_string_when_the_result_has_no_name() {
        let row =
            FullInteractionRow { result_id: Some(5), result_code: Some("V".into()), result_name: None, ..seed_row() };
        let mapped = full_interaction(row);
        assert_eq!(mapped.result, ManagementResult { id: Some(5), code: Some("V".into()), name: String::new() });
    }

    #[test]
    fn missing_lookup_keeps_the_stored_id_and_nulls_the_rest() {
        let row = FullInteractionRow {
            agent_id: Some(99),
            agent_name: None,
            agent_group_id: None,
            agent_group_name: None,
            agent_supervisor_id: None,
            agent_supervisor_name: None,
            ..seed_row()
        };
        let json = serde_json::to_value(full_interaction(row)).unwrap();
        assert_eq!(
            json["agent"],
            serde_json::json!({"id":99,"name":null,"group_id":null,"group_name":null,"supervisor_id":null,"supervisor_name":null})
        );
    }

    #[test]
    fn null_reference_gives_the_object_with_null_id() {
        let row = FullInteractionRow { campaign_id: None, campaign_name: None, campaign_mode: None, ..seed_row() };
        let json = serde_json::to_value(full_interaction(row)).unwrap();
        assert_eq!(json["campaign"], serde_json::json!({"id":null,"name":null,"mode":null}));
    }
}
