// Legacy column and table names are the field names (see models/mod.rs).
#![allow(non_snake_case)]

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq};

use crate::ids::TaskId;

/// Which of a task's two parameter tables: inputs the dialer gave the task, or outputs
/// (slots) bots wrote back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Incoming,
    Outgoing,
}

impl Direction {
    /// The JSON keys of one parameter, in contract order: the old service's singular query
    /// alias is their prefix, although the tables' names are plural.
    fn keys(self) -> [&'static str; 3] {
        match self {
            Self::Incoming => [
                "ParametroTareaEntrada_idTarea",
                "ParametroTareaEntrada_NombreParametro",
                "ParametroTareaEntrada_Valor",
            ],
            Self::Outgoing => {
                ["ParametroTareaSalida_idTarea", "ParametroTareaSalida_NombreParametro", "ParametroTareaSalida_Valor"]
            }
        }
    }
}

/// A row of `ParametrosTareaEntrada` or `ParametrosTareaSalida`. `Valor` may be NULL in
/// MitACD (never when the API wrote it); a NULL prints `null`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskParameter {
    pub idTarea: i32,
    pub NombreParametro: String,
    pub Valor: Option<String>,
}

/// A task's parameters in contract order (CONTRACT 3.1 and 8): by name with ASCII letters
/// folded to lower case, byte by byte, ties broken by the exact bytes. Sorted here rather
/// than in SQL so that both engines (and any collation) give the same order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskParameters {
    pub direction: Direction,
    pub parameters: Vec<TaskParameter>,
}

impl TaskParameters {
    pub fn new(direction: Direction, mut parameters: Vec<TaskParameter>) -> Self {
        parameters.sort_by(|a, b| {
            let (a, b) = (a.NombreParametro.as_bytes(), b.NombreParametro.as_bytes());
            a.iter().map(u8::to_ascii_lowercase).cmp(b.iter().map(u8::to_ascii_lowercase)).then_with(|| a.cmp(b))
        });
        Self { direction, parameters }
    }
}

impl Serialize for TaskParameters {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let [task_key, name_key, value_key] = self.direction.keys();
        let mut seq = serializer.serialize_seq(Some(self.parameters.len()))?;
        for parameter in &self.parameters {
            seq.serialize_element(&Keyed { task_key, name_key, value_key, parameter })?;
        }
        seq.end()
    }
}

struct Keyed<'a> {
    task_key: &'static str,
    name_key: &'static str,
    value_key: &'static str,
    parameter: &'a TaskParameter,
}

impl Serialize for Keyed<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry(self.task_key, &self.parameter.idTarea)?;
        map.serialize_entry(self.name_key, &self.parameter.NombreParametro)?;
        map.serialize_entry(self.value_key, &self.parameter.Valor)?;
        map.end()
    }
}

/// One validated output parameter from a `POST /v3/parameters/outgoing` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingParameterWrite {
    pub task_id: TaskId,
    pub key: String,
    pub value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(names: &[&str]) -> Vec<TaskParameter> {
        names
            .iter()
            .map(|name| TaskParameter { idTarea: 812, NombreParametro: name.to_string(), Valor: Some(String::new()) })
            .collect()
    }

    fn order(names: &[&str]) -> Vec<String> {
        TaskParameters::new(Direction::Outgoing, named(names))
            .parameters
            .into_iter()
            .map(|p| p.NombreParametro)
            .collect()
    }

    #[test]
    fn parameters_sort_by_name_case_insensitively() {
        assert_eq!(
            order(&["resultado", "Flujo", "alex", "Fecha_credito"]),
            ["alex", "Fecha_credito", "Flujo", "resultado"]
        );
    }

    #[test]
    fn underscore_sorts_before_letters() {
        // '_' (0x5F) is below 'a' (0x61) once letters are folded to lower case.
        assert_eq!(
            order(&["resultado_gestion", "resultadoa", "resultado"]),
            ["resultado", "resultado_gestion", "resultadoa"]
        );
    }

    #[test]
    fn case_ties_are_broken_by_exact_bytes() {
        assert_eq!(order(&["flujo", "Flujo", "FLUJO"]), ["FLUJO", "Flujo", "flujo"]);
    }

    #[test]
    fn only_ascii_letters_are_folded() {
        // 'É' is not folded, so it sorts by its UTF-8 bytes, after every ASCII name.
        assert_eq!(order(&["Élan", "zeta", "Alfa"]), ["Alfa", "zeta", "Élan"]);
    }

    #[test]
    fn incoming_keys_carry_the_entrada_prefix() {
        let list = TaskParameters::new(
            Direction::Incoming,
            vec![TaskParameter { idTarea: 812, NombreParametro: "DV".into(), Valor: Some("1024,775".into()) }],
        );
        assert_eq!(
            serde_json::to_string(&list).unwrap(),
            r#"[{"ParametroTareaEntrada_idTarea":812,"ParametroTareaEntrada_NombreParametro":"DV","ParametroTareaEntrada_Valor":"1024,775"}]"#
        );
    }
}
